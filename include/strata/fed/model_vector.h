#pragma once
// A model's trainable state as one flat f32 vector: what federated clients send and the server averages.
// It holds every parameter and every floating-point buffer (BatchNorm running statistics), in
// named_parameters() then named_buffers() order.
#include "strata/core/tensor.h"
#include "strata/nn/module.h"

namespace strata::fed {

// The parameters and floating buffers of `model`, flattened and concatenated (a new f32 tensor [P]).
Tensor model_to_vector(const nn::Module& model);
// Copies `vector` (as model_to_vector lays it out) into the model's parameters and floating buffers; throws
// naming both sizes when it does not fit.
void vector_to_model(const Tensor& vector, nn::Module& model);
// The number of elements model_to_vector returns.
int64_t model_vector_size(const nn::Module& model);

}  // namespace strata::fed
