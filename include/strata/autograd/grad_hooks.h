#pragma once
// Hooks the backward engine runs: after a leaf's gradient is complete (PyTorch's
// register_post_accumulate_grad_hook) and after a backward finishes. What data-parallel training uses to
// start averaging a bucket of gradients while the rest of backward runs.
#include <cstdint>
#include <functional>

#include "strata/core/tensor.h"

namespace strata::autograd {

// Called with the leaf whose .grad() now holds every contribution of the running backward.
using PostAccumulateGradHook = std::function<void(const Tensor& leaf)>;
// Called once a backward() (the outermost one, not a nested one) has finished.
using BackwardEndHook = std::function<void()>;

// Runs `hook` each time a backward() completes the gradient of `leaf` (a leaf that requires grad): after the
// last of its uses in the graph has been accumulated into leaf.grad(). Not run by autograd::grad (which
// accumulates nothing). Returns an id for remove_hook.
uint64_t register_post_accumulate_grad_hook(const Tensor& leaf, PostAccumulateGradHook hook);
// Runs `hook` after every outermost backward() on any thread has finished; returns an id for remove_hook.
uint64_t register_backward_end_hook(BackwardEndHook hook);
// Removes a hook registered above (unknown ids are ignored).
void remove_hook(uint64_t id);

}  // namespace strata::autograd
