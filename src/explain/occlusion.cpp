#include "strata/explain/occlusion.h"

#include <algorithm>

#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/view.h"

namespace strata::explain {
namespace {

constexpr const char* kMethod = "occlusion";

std::string str(const std::vector<int64_t>& v) { return Shape(v).str(); }

// Sets mask[offset] = 1 for every element of the window starting at `corner` (dims after `dim` recursively).
void fill_window(float* mask, const std::vector<int64_t>& corner, const std::vector<int64_t>& window,
                 const std::vector<int64_t>& element_strides, size_t dim, int64_t offset) {
  for (int64_t k = 0; k < window[dim]; ++k) {
    const int64_t o = offset + (corner[dim] + k) * element_strides[dim];
    if (dim + 1 == window.size()) {
      mask[o] = 1.0f;
    } else {
      fill_window(mask, corner, window, element_strides, dim + 1, o);
    }
  }
}

}  // namespace

Tensor occlusion(nn::Module& model, const Tensor& input, const AttributionOptions& options,
                 const OcclusionOptions& oc) {
  check_input(input, kMethod);
  const auto dims = static_cast<size_t>(input.dim() - 1);
  std::vector<int64_t> sizes(input.shape().begin() + 1, input.shape().end());
  STRATA_CHECK(oc.window.size() == dims,
               "{}: the window {} must give one extent per dim of an example {} (input {})", kMethod,
               str(oc.window), str(sizes), input.shape().str());
  std::vector<int64_t> strides = oc.strides;
  if (strides.empty()) strides.assign(dims, 1);
  if (strides.size() == 1) strides.assign(dims, strides[0]);
  STRATA_CHECK(strides.size() == dims, "{}: strides {} must give one step per dim of an example {}", kMethod,
               str(oc.strides), str(sizes));
  std::vector<int64_t> counts(dims);
  int64_t windows = 1;
  for (size_t d = 0; d < dims; ++d) {
    STRATA_CHECK(oc.window[d] >= 1 && strides[d] >= 1, "{}: window {} and strides {} must be positive",
                 kMethod, str(oc.window), str(strides));
    STRATA_CHECK(oc.window[d] <= sizes[d], "{}: the window {} is larger than an example {} (input {})",
                 kMethod, str(oc.window), str(sizes), input.shape().str());
    counts[d] = (sizes[d] - oc.window[d]) / strides[d] + 1;
    windows *= counts[d];
  }
  EvalModeGuard eval(model);
  const std::vector<int64_t> target = resolve_target(model, input, options, kMethod);
  const Tensor x = input.detach().contiguous();
  const int64_t n = x.size(0);
  const int64_t numel = x.numel() / n;
  std::vector<int64_t> element_strides(dims, 1);
  for (size_t d = dims - 1; d > 0; --d) element_strides[d - 1] = element_strides[d] * sizes[d];

  // The corner of window w (row-major over the window grid).
  auto corner_of = [&](int64_t w) {
    std::vector<int64_t> c(dims);
    for (size_t d = dims; d-- > 0;) {
      c[d] = (w % counts[d]) * strides[d];
      w /= counts[d];
    }
    return c;
  };
  // How many windows cover each element: the divisor of the accumulated drops.
  std::vector<double> cover(static_cast<size_t>(numel), 0.0);
  std::vector<float> one(static_cast<size_t>(numel));
  for (int64_t w = 0; w < windows; ++w) {
    std::fill(one.begin(), one.end(), 0.0f);
    fill_window(one.data(), corner_of(w), oc.window, element_strides, 0, 0);
    for (int64_t i = 0; i < numel; ++i) cover[i] += one[i];
  }
  for (double& c : cover) c = c > 0 ? 1.0 / c : 0.0;

  const Tensor fx = forward_scores(model, x, target, options.internal_batch_size, kMethod);
  Tensor total = zeros_like(x);
  const int64_t rows = windows * n;
  // Rows are window-major (row r is window r / n on example r % n).
  for (int64_t start = 0; start < rows; start += options.internal_batch_size) {
    const int64_t len = std::min(options.internal_batch_size, rows - start);
    std::vector<int64_t> example(static_cast<size_t>(len)), t(static_cast<size_t>(len));
    std::vector<float> mask(static_cast<size_t>(len * numel), 0.0f);
    for (int64_t r = 0; r < len; ++r) {
      example[r] = (start + r) % n;
      t[r] = target[example[r]];
      fill_window(mask.data() + r * numel, corner_of((start + r) / n), oc.window, element_strides, 0, 0);
    }
    Shape cshape = x.shape();
    cshape[0] = len;
    const Tensor index = from_vector(example);
    const Tensor m = from_vector(mask, cshape).to(x.dtype());
    const Tensor xs = ops::index_select(x, 0, index);
    // x where the mask is 0, the baseline where it is 1.
    const Tensor occluded = ops::add(ops::mul(xs, ops::rsub(m, 1.0)), ops::mul(m, oc.baseline));
    const Tensor drop =
        ops::sub(ops::index_select(fx, 0, index), forward_scores(model, occluded, t, len, kMethod));
    Shape per_row(std::vector<int64_t>(static_cast<size_t>(x.dim()), 1));
    per_row[0] = len;
    total = ops::index_add(total, 0, index, ops::mul(m, drop.reshape(per_row)));
  }
  Shape example_shape = x.shape();
  example_shape[0] = 1;
  return ops::mul(total, from_vector(cover, example_shape).to(x.dtype()));
}

}  // namespace strata::explain
