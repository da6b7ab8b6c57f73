#include "strata/explain/smoothgrad.h"

#include <algorithm>

#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/reduction.h"
#include "strata/ops/view.h"

namespace strata::explain {

Tensor smoothgrad(nn::Module& model, const Tensor& input, const AttributionOptions& options,
                  const SmoothGradOptions& sg) {
  constexpr const char* kMethod = "smoothgrad";
  STRATA_CHECK(sg.n_samples >= 1, "{}: n_samples must be >= 1, got {}", kMethod, sg.n_samples);
  STRATA_CHECK(sg.noise_level >= 0, "{}: noise_level must be >= 0, got {}", kMethod, sg.noise_level);
  EvalModeGuard eval(model);
  const std::vector<int64_t> target = resolve_target(model, input, options, kMethod);
  const Tensor x = input.detach().contiguous();
  const int64_t n = x.size(0);
  // Each example's noise scale: noise_level * (max - min) over the example.
  const Tensor flat = x.reshape({n, -1});
  Shape bshape(std::vector<int64_t>(static_cast<size_t>(x.dim()), 1));
  bshape[0] = n;
  const Tensor stdev = ops::mul(ops::sub(ops::amax(flat, {1}), ops::amin(flat, {1})), sg.noise_level);

  Generator generator(sg.seed);
  const int64_t rows = n * sg.n_samples;
  Tensor sum = zeros_like(x), sum_sq = zeros_like(x);
  // Rows are sample-major (row r is sample r / n of example r % n), like Captum's expanded inputs.
  for (int64_t start = 0; start < rows; start += options.internal_batch_size) {
    const int64_t len = std::min(options.internal_batch_size, rows - start);
    std::vector<int64_t> example(static_cast<size_t>(len));
    std::vector<int64_t> t(static_cast<size_t>(len));
    for (int64_t r = 0; r < len; ++r) {
      example[r] = (start + r) % n;
      t[r] = target[example[r]];
    }
    const Tensor index = from_vector(example);
    Shape cshape = x.shape();
    cshape[0] = len;
    Shape sshape = bshape;
    sshape[0] = len;
    const Tensor noise = ops::mul(randn(cshape, {.dtype = x.dtype()}, &generator),
                                  ops::index_select(stdev, 0, index).reshape(sshape));
    const Tensor noisy = ops::add(ops::index_select(x, 0, index), noise);
    const Tensor g = input_gradients(model, noisy, t, len, kMethod);
    sum = ops::index_add(sum, 0, index, g);
    if (sg.type != SmoothGradType::SmoothGrad) sum_sq = ops::index_add(sum_sq, 0, index, ops::square(g));
  }
  const double inv = 1.0 / static_cast<double>(sg.n_samples);
  switch (sg.type) {
    case SmoothGradType::SmoothGrad:
      return ops::mul(sum, inv);
    case SmoothGradType::SmoothGradSquared:
      return ops::mul(sum_sq, inv);
    case SmoothGradType::VarGrad:
      return ops::sub(ops::mul(sum_sq, inv), ops::square(ops::mul(sum, inv)));
  }
  return {};
}

}  // namespace strata::explain
