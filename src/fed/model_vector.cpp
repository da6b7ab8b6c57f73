#include "strata/fed/model_vector.h"

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/ops/indexing.h"

namespace strata::fed {
namespace {

std::vector<Tensor> state_tensors(const nn::Module& model) {
  std::vector<Tensor> out = model.parameters();
  for (const Tensor& b : model.buffers()) {
    if (b.is_floating_point()) out.push_back(b);
  }
  return out;
}

}  // namespace

int64_t model_vector_size(const nn::Module& model) {
  int64_t n = 0;
  for (const Tensor& t : state_tensors(model)) n += t.numel();
  return n;
}

Tensor model_to_vector(const nn::Module& model) {
  autograd::NoGradGuard no_grad;
  std::vector<Tensor> flat;
  for (const Tensor& t : state_tensors(model)) flat.push_back(t.detach().to(kFloat32).reshape({-1}));
  STRATA_CHECK(!flat.empty(), "model_to_vector: the model ({}) has no parameters", model.type_name());
  return ops::cat(flat, 0).contiguous();
}

void vector_to_model(const Tensor& vector, nn::Module& model) {
  autograd::NoGradGuard no_grad;
  const int64_t expected = model_vector_size(model);
  STRATA_CHECK(vector.defined() && vector.dim() == 1 && vector.numel() == expected,
               "vector_to_model: the model ({}) holds {} values, got a vector of shape {}", model.type_name(),
               expected, vector.defined() ? vector.shape().str() : std::string("undefined"));
  int64_t at = 0;
  for (Tensor t : state_tensors(model)) {
    const int64_t n = t.numel();
    t.copy_(vector.narrow(0, at, n).reshape(t.shape()).to(t.dtype()));
    at += n;
  }
}

}  // namespace strata::fed
