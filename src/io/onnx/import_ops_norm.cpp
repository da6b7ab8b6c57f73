// The ONNX importer's normalisation: BatchNormalization, InstanceNormalization, LayerNormalization, MVN and
// LRN.

#include "import_ops.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops.h"

namespace strata::onnx::detail {

namespace {

Tensors op_batch_norm(const OpContext& c) {
  const bool train = c.training || c.node.attr_int("training_mode", 0) != 0;
  const double eps = c.node.attr_float("epsilon", 1e-5);
  const double momentum =
      1.0 - c.node.attr_float("momentum", 0.9);  // PyTorch's momentum weighs the new value
  if (c.node.outputs.size() > 1 && train) {
    // ONNX's training outputs: the running statistics updated with the batch's mean and biased variance.
    const Tensor& x = c.required(0);
    Shape dims{0}, bshape(std::vector<int64_t>(static_cast<size_t>(rank(x)), 1));
    for (int64_t d = 2; d < rank(x); ++d) dims.push_back(d);
    bshape[1] = x.shape()[1];
    const Tensor mean = F::mean(x, dims, false);
    const Tensor var = F::mean(F::square(F::sub(x, mean.reshape(bshape))), dims, false);
    const Tensor y =
        F::add(F::mul(F::mul(F::sub(x, mean.reshape(bshape)), F::rsqrt(F::add(var.reshape(bshape), eps))),
                      c.required(1).reshape(bshape)),
               c.required(2).reshape(bshape));
    return {y, F::add(F::mul(c.required(3), 1.0 - momentum), F::mul(mean, momentum)),
            F::add(F::mul(c.required(4), 1.0 - momentum), F::mul(var, momentum))};
  }
  return {F::batch_norm(c.required(0), c.in(3), c.in(4), c.required(1), c.required(2), train, momentum, eps)};
}
Tensors op_instance_norm(const OpContext& c) {
  const Tensor& x = c.required(0);
  return {F::group_norm(x, x.shape()[1], c.required(1), c.required(2), c.node.attr_float("epsilon", 1e-5))};
}
Tensors op_layer_norm(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t axis = norm_axis(c.node.attr_int("axis", -1), rank(x), c.node);
  const double eps = c.node.attr_float("epsilon", 1e-5);
  Shape normalized, dims;
  for (int64_t d = axis; d < rank(x); ++d)
    normalized.push_back(x.shape()[static_cast<size_t>(d)]), dims.push_back(d);
  const Tensor& scale = c.required(1);
  const bool exact = scale.shape() == normalized && (!c.in(2).defined() || c.in(2).shape() == normalized);
  Tensors out;
  if (exact) {
    out.push_back(F::layer_norm(x, normalized, scale, c.in(2), eps));
  } else {  // scale / bias broadcast against the normalised dims
    const Tensor mean = F::mean(x, dims, true);
    const Tensor centred = F::sub(x, mean);
    const Tensor y =
        F::mul(F::mul(centred, F::rsqrt(F::add(F::mean(F::square(centred), dims, true), eps))), scale);
    out.push_back(c.in(2).defined() ? F::add(y, c.in(2)) : y);
  }
  if (c.node.outputs.size() > 1) {  // Mean and InvStdDev, kept as [d0, ..., 1, ...]
    const Tensor mean = F::mean(x, dims, true);
    out.push_back(mean);
    out.push_back(F::rsqrt(F::add(F::mean(F::square(F::sub(x, mean)), dims, true), eps)));
  }
  return out;
}

Tensors op_mvn(const OpContext& c) {
  const Tensor& x = c.required(0);
  std::vector<int64_t> axes = c.node.attr_ints("axes", {0, 2, 3});
  for (auto& a : axes) a = norm_axis(a, rank(x), c.node);
  const Shape dims(axes);
  const Tensor mean = F::mean(x, dims, true);
  const Tensor var = F::sub(F::mean(F::square(x), dims, true), F::square(mean));
  return {F::div(F::sub(x, mean), F::add(F::sqrt(var), 1e-9))};
}
// Local response normalisation across channels: x / (bias + alpha / size * sum of squares in the
// window)^beta.
Tensors op_lrn(const OpContext& c) {
  const Tensor& x = c.required(0);
  const int64_t size = c.node.attr_int("size", 1);
  const double alpha = c.node.attr_float("alpha", 1e-4), beta = c.node.attr_float("beta", 0.75);
  const double bias = c.node.attr_float("bias", 1.0);
  const int64_t before = (size - 1) / 2, after = size - 1 - before, ch = x.shape()[1];
  std::vector<int64_t> pads(2 * static_cast<size_t>(rank(x) - 2), 0);
  pads.push_back(before);
  pads.push_back(after);
  const Tensor sq = F::pad(F::square(x), pads);
  Tensor sum = sq.slice(1, 0, ch);
  for (int64_t k = 1; k < size; ++k) sum = F::add(sum, sq.slice(1, k, k + ch));
  return {F::div(x, F::pow(F::add(F::mul(sum, alpha / static_cast<double>(size)), bias), beta))};
}

}  // namespace

void add_norm_ops(OperatorTable& table) {
  table.insert({
      {"BatchNormalization", op_batch_norm},
      {"InstanceNormalization", op_instance_norm},
      {"LRN", op_lrn},
      {"LayerNormalization", op_layer_norm},
      {"MeanVarianceNormalization", op_mvn},
  });
}

}  // namespace strata::onnx::detail
