// Per-example transforms. They run in DataLoader workers on small tensors, so each is one direct loop over
// contiguous CPU data (no autograd, no temporaries); other devices go through the ops.
#include "strata/data/transforms.h"

#include <fmt/ranges.h>

#include <algorithm>

#include "kernels/dispatch.h"
#include "kernels/elementwise.h"
#include "strata/core/factory.h"

namespace strata::data::transforms {

Transform to_float(double scale) {
  return [scale](const Tensor& x) -> Tensor {
    STRATA_CHECK(x.defined(), "to_float: input is undefined");
    STRATA_CHECK(x.dtype() != kBFloat16 || x.device() != kCPU,
                 "to_float: bf16 input of shape {} is not supported on the CPU path", x.shape().str());
    if (x.device() != kCPU) return x.detach().to(kFloat32) * scale;
    const Tensor src = x.is_contiguous() ? x : x.contiguous();
    Tensor out = kernels::empty(src.shape(), kFloat32, kCPU);
    float* dst = out.data_ptr<float>();
    const int64_t n = src.numel();
    kernels::dispatch_all(src.dtype(), "to_float", [&]<typename T>() {
      const T* in = static_cast<const T*>(src.raw_data());
      // Compute in double then round once, as x.to(f64) * scale -> f32 would.
      for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(static_cast<double>(in[i]) * scale);
    });
    return out;
  };
}

Transform normalize(std::vector<double> mean, std::vector<double> stdev) {
  STRATA_CHECK(!mean.empty() && !stdev.empty(), "normalize: mean and std need at least one value each");
  STRATA_CHECK(mean.size() == stdev.size() || mean.size() == 1 || stdev.size() == 1,
               "normalize: mean has {} values but std has {}", mean.size(), stdev.size());
  for (double s : stdev)
    STRATA_CHECK(s != 0.0, "normalize: std [{}] contains a zero", fmt::join(stdev, ", "));
  const size_t channels = std::max(mean.size(), stdev.size());
  // One value applies to every channel: expand to the channel count now so the loop below is uniform.
  if (mean.size() == 1) mean.assign(channels, mean[0]);
  if (stdev.size() == 1) stdev.assign(channels, stdev[0]);
  return [mean = std::move(mean), stdev = std::move(stdev)](const Tensor& x) -> Tensor {
    STRATA_CHECK(x.defined(), "normalize: input is undefined");
    STRATA_CHECK(x.is_floating_point() && x.dtype() != kBFloat16,
                 "normalize: expects an f32 or f64 input, got {} of shape {} (apply to_float first)",
                 dtype_name(x.dtype()), x.shape().str());
    const bool per_channel = mean.size() > 1;
    STRATA_CHECK(!per_channel || (x.dim() >= 1 && x.size(0) == static_cast<int64_t>(mean.size())),
                 "normalize: input of shape {} has {} channels (dim 0) but mean/std have {} values",
                 x.shape().str(), x.dim() >= 1 ? x.size(0) : 0, mean.size());
    const int64_t channels = per_channel ? static_cast<int64_t>(mean.size()) : 1;
    if (x.device() != kCPU) {
      Shape shape = Shape::filled(static_cast<size_t>(x.dim()), 1);
      if (per_channel) shape[0] = channels;
      Tensor m = from_vector(mean, Shape{channels}).to(x.dtype()).reshape(shape).to(x.device());
      Tensor s = from_vector(stdev, Shape{channels}).to(x.dtype()).reshape(shape).to(x.device());
      return (x.detach() - m) / s;
    }
    const Tensor src = x.is_contiguous() ? x : x.contiguous();
    Tensor out = kernels::empty(src.shape(), src.dtype(), kCPU);
    const int64_t inner = channels > 0 ? src.numel() / channels : 0;
    kernels::dispatch_floating(src.dtype(), "normalize", [&]<typename T>() {
      const T* in = static_cast<const T*>(src.raw_data());
      T* dst = static_cast<T*>(out.raw_data());
      for (int64_t c = 0; c < channels; ++c) {
        const auto m = static_cast<T>(mean[static_cast<size_t>(c)]);
        const auto s = static_cast<T>(stdev[static_cast<size_t>(c)]);
        const T* a = in + c * inner;
        T* o = dst + c * inner;
        for (int64_t i = 0; i < inner; ++i) o[i] = (a[i] - m) / s;
      }
    });
    return out;
  };
}

Transform compose(std::vector<Transform> transforms) {
  for (size_t i = 0; i < transforms.size(); ++i) {
    STRATA_CHECK(static_cast<bool>(transforms[i]), "compose: transform {} of {} is empty", i,
                 transforms.size());
  }
  return [transforms = std::move(transforms)](const Tensor& x) {
    Tensor y = x;
    for (const Transform& t : transforms) y = t(y);
    return y;
  };
}

}  // namespace strata::data::transforms
