#pragma once
// Collectives on tensors across the ranks of the process group (MPI underneath). Every rank calls the same
// collectives in the same order with tensors of the same shape and dtype. Each waits at most timeout()
// (process_group.h) and then throws an Error naming the rank that did not take part.
#include <vector>

#include "strata/core/tensor.h"

namespace strata::dist {

enum class ReduceOp { Sum, Mean, Max, Min };

// Reduces `tensor` across ranks in place: every rank ends with the elementwise sum (mean, max, min).
// CPU tensors of f32, f64, i64 or u8 (Mean: floating only).
void all_reduce(Tensor& tensor, ReduceOp op = ReduceOp::Sum);
// Copies rank `src`'s `tensor` into every other rank's `tensor` (in place).
void broadcast(Tensor& tensor, int src = 0);
// Every rank's `tensor`, in rank order (all of the same shape and dtype).
std::vector<Tensor> all_gather(const Tensor& tensor);
// Every rank's `tensor` concatenated along dim 0, in rank order (PyTorch's all_gather_into_tensor).
Tensor all_gather_into_tensor(const Tensor& tensor);
// Waits until every rank reached it.
void barrier();

}  // namespace strata::dist
