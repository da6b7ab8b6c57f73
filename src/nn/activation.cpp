#include "strata/nn/activation.h"

#include "strata/core/factory.h"
#include "strata/ops/softmax.h"

namespace strata::nn {

std::string LeakyReLUImpl::extra_repr() const { return fmt::format("negative_slope={}", negative_slope); }
std::string ELUImpl::extra_repr() const { return fmt::format("alpha={}", alpha); }
std::string GELUImpl::extra_repr() const {
  return approximate == ops::GeluApproximate::Tanh ? "approximate='tanh'" : "approximate='none'";
}
std::string SoftplusImpl::extra_repr() const { return fmt::format("beta={}, threshold={}", beta, threshold); }
PReLUImpl::PReLUImpl(int64_t num_parameters, double init)
    : Module("PReLU"), num_parameters(num_parameters), init(init) {
  STRATA_CHECK(num_parameters > 0, "PReLU: num_parameters must be positive, got {}", num_parameters);
  weight = register_parameter("weight", full({num_parameters}, init));
}
Tensor PReLUImpl::forward(const Tensor& x) { return ops::prelu(x, weight); }
std::string PReLUImpl::extra_repr() const { return fmt::format("num_parameters={}", num_parameters); }
Tensor SoftmaxImpl::forward(const Tensor& x) { return ops::softmax(x, dim); }
std::string SoftmaxImpl::extra_repr() const { return fmt::format("dim={}", dim); }
Tensor LogSoftmaxImpl::forward(const Tensor& x) { return ops::log_softmax(x, dim); }
std::string LogSoftmaxImpl::extra_repr() const { return fmt::format("dim={}", dim); }
HardtanhImpl::HardtanhImpl(double min_val, double max_val)
    : Module("Hardtanh"), min_val(min_val), max_val(max_val) {
  STRATA_CHECK(min_val <= max_val, "Hardtanh: min_val ({}) must not exceed max_val ({})", min_val, max_val);
}
std::string HardtanhImpl::extra_repr() const {
  return fmt::format("min_val={}, max_val={}", min_val, max_val);
}

}  // namespace strata::nn
