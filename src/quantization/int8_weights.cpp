#include "quantization/int8_weights.h"

#include <algorithm>

#include "kernels/cpu/int8.h"
#include "strata/core/factory.h"
#include "strata/nn/conv.h"
#include "strata/nn/linear.h"

namespace strata::quantization::detail {

// The per-channel int8 weights (s8 bits in u8, and the scales) that give back `w` exactly as q * s in f32,
// or nothing when w is not such a weight.
std::optional<std::pair<Tensor, Tensor>> exact_int8(const Tensor& w) {
  if (w.dtype() != kFloat32 || w.dim() < 2 || !w.is_contiguous()) return std::nullopt;
  auto [q, scales] = kernels::cpu::int8::quantize_weight(w);
  const int64_t oc = w.size(0), per = w.numel() / std::max<int64_t>(oc, 1);
  const float* wp = w.data_ptr<float>();
  const auto* qp = static_cast<const int8_t*>(q.raw_data());
  for (int64_t c = 0; c < oc; ++c)
    for (int64_t i = 0; i < per; ++i)
      if (static_cast<float>(qp[c * per + i]) * scales[static_cast<size_t>(c)] != wp[c * per + i])
        return std::nullopt;
  Tensor s = empty({oc});
  std::copy(scales.begin(), scales.end(), s.data_ptr<float>());
  return std::make_pair(q, s);
}

// Rounds a float layer's weight in place to per-channel int8 values (q * s), so that the file stores it as
// I8 (a layer kept f32 for speed still gets 4x smaller). Repeats until exact_int8 recognises it (the scale
// of the rounded weight can differ from the first scale in its last bit); false when it never does.
bool round_weight_to_int8(Tensor& w) {
  if (w.dtype() != kFloat32 || w.dim() < 2 || !w.is_contiguous()) return false;
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (exact_int8(w)) return true;
    auto [q, scales] = kernels::cpu::int8::quantize_weight(w);
    const int64_t oc = w.size(0), per = w.numel() / std::max<int64_t>(oc, 1);
    float* wp = w.data_ptr<float>();
    const auto* qp = static_cast<const int8_t*>(q.raw_data());
    for (int64_t c = 0; c < oc; ++c)
      for (int64_t i = 0; i < per; ++i)
        wp[c * per + i] = static_cast<float>(qp[c * per + i]) * scales[static_cast<size_t>(c)];
  }
  return exact_int8(w).has_value();
}

// The weight of a float Conv2d or Linear (undefined for other modules).
Tensor float_weight(nn::Module& m) {
  if (auto* c = dynamic_cast<nn::Conv2dImpl*>(&m)) return c->weight;
  if (auto* l = dynamic_cast<nn::LinearImpl*>(&m)) return l->weight;
  return Tensor();
}

}  // namespace strata::quantization::detail
