#pragma once
// Grad mode: whether ops record a graph. Thread-local, like PyTorch.
namespace strata::autograd {

bool grad_mode_enabled();
void set_grad_mode(bool enabled);

// Turns recording off for its scope (evaluation, optimiser steps).
class NoGradGuard {
 public:
  NoGradGuard() : previous_(grad_mode_enabled()) { set_grad_mode(false); }
  ~NoGradGuard() { set_grad_mode(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Turns recording on for its scope (used by backward with create_graph).
class EnableGradGuard {
 public:
  EnableGradGuard() : previous_(grad_mode_enabled()) { set_grad_mode(true); }
  ~EnableGradGuard() { set_grad_mode(previous_); }
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace strata::autograd

namespace strata {
using autograd::NoGradGuard;
}
