// MixUp and CutMix as direct loops over the contiguous batch (rolled by one: row i mixes with row i - 1).
#include "strata/data/image/mix.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "data/image/image_util.h"
#include "data/shuffle.h"
#include "kernels/elementwise.h"

namespace strata::data::image {

using detail::randint;
using detail::uniform01;

namespace {

// Gamma(k, 1) by Marsaglia and Tsang (k < 1 through the k + 1 boost).
double sample_gamma(double k, Generator& gen) {
  if (k < 1.0) {
    const double u = uniform01(gen);
    return sample_gamma(k + 1.0, gen) * std::pow(u, 1.0 / k);
  }
  const double d = k - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  while (true) {
    double x, v;
    do {
      x = detail::normal(gen);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform01(gen);
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

void check_options(const char* op, const MixOptions& o) {
  STRATA_CHECK(o.alpha > 0.0 && std::isfinite(o.alpha), "{}: alpha must be positive, got {}", op, o.alpha);
  STRATA_CHECK(o.num_classes >= 0, "{}: num_classes must be non-negative, got {}", op, o.num_classes);
  STRATA_CHECK(o.p >= 0.0 && o.p <= 1.0, "{}: p must be in [0, 1], got {}", op, o.p);
}

// Checks the batch and returns its input contiguous.
Tensor checked_input(const char* op, const Batch& batch, int64_t min_dim) {
  STRATA_CHECK(batch.input.defined() && batch.target.defined(), "{}: the batch needs an input and a target",
               op);
  STRATA_CHECK(batch.input.device() == kCPU, "{}: batches are mixed on the CPU (in the DataLoader)", op);
  STRATA_CHECK(batch.input.dim() >= min_dim && batch.input.size(0) > 0,
               "{}: expects an input of at least {} dims with a batch dim, got shape {}", op, min_dim,
               batch.input.shape().str());
  STRATA_CHECK(batch.input.dtype() == kFloat32 || batch.input.dtype() == kFloat64,
               "{}: expects an f32 or f64 input (mix after converting to float), got {} of shape {}", op,
               dtype_name(batch.input.dtype()), batch.input.shape().str());
  return batch.input.contiguous();
}

// Targets as probabilities [B, K] in the input's dtype: one-hot for class indices, copied when already soft.
Tensor soft_targets(const char* op, const Tensor& target, int64_t batch, int64_t num_classes, Dtype dtype) {
  if (target.dtype() == kInt64) {
    STRATA_CHECK(target.dim() == 1 && target.size(0) == batch,
                 "{}: class-index targets must be [{}] (one per example), got shape {}", op, batch,
                 target.shape().str());
    STRATA_CHECK(num_classes > 0, "{}: class-index targets need num_classes in the options", op);
    const Tensor t = target.contiguous();
    const int64_t* idx = t.data_ptr<int64_t>();
    Tensor out = kernels::empty(Shape{batch, num_classes}, dtype, kCPU);
    detail::dispatch_image_float(dtype, op, [&]<typename T>() {
      T* o = static_cast<T*>(out.raw_data());
      std::fill(o, o + batch * num_classes, T(0));
      for (int64_t i = 0; i < batch; ++i) {
        STRATA_CHECK(idx[i] >= 0 && idx[i] < num_classes, "{}: target {} of example {} is outside [0, {})",
                     op, idx[i], i, num_classes);
        o[i * num_classes + idx[i]] = T(1);
      }
    });
    return out;
  }
  STRATA_CHECK(target.is_floating_point() && target.dim() == 2 && target.size(0) == batch &&
                   (num_classes == 0 || target.size(1) == num_classes),
               "{}: targets must be i64 class indices [{}] or probabilities [{}, {}], got {} of shape {}", op,
               batch, batch, num_classes > 0 ? fmt::format("{}", num_classes) : "K",
               dtype_name(target.dtype()), target.shape().str());
  return target.to(dtype).contiguous().clone();
}

// rows[i] = lam * rows[i] + (1 - lam) * rows[i - 1] (rolled), in place on a contiguous [B, row] tensor.
void mix_rows(Tensor& t, double lam) {
  const int64_t batch = t.size(0), row = t.numel() / std::max<int64_t>(batch, 1);
  detail::dispatch_image_float(t.dtype(), "mix", [&]<typename T>() {
    T* d = static_cast<T*>(t.raw_data());
    const auto l = static_cast<T>(lam), r = static_cast<T>(1.0 - lam);
    // The last row is the first one's partner: keep its original before row 0 changes.
    std::vector<T> last(d + (batch - 1) * row, d + batch * row);
    for (int64_t i = batch - 1; i >= 0; --i) {
      const T* prev = i > 0 ? d + (i - 1) * row : last.data();
      T* cur = d + i * row;
      for (int64_t k = 0; k < row; ++k) cur[k] = l * cur[k] + r * prev[k];
    }
  });
}

}  // namespace

double sample_beta(double a, double b, Generator& gen) {
  STRATA_CHECK(a > 0.0 && b > 0.0, "sample_beta: parameters ({}, {}) must be positive", a, b);
  const double x = sample_gamma(a, gen), y = sample_gamma(b, gen);
  // Both can underflow to 0 for tiny parameters: the limit is a coin with odds a : b.
  if (x + y == 0.0) return uniform01(gen) < a / (a + b) ? 1.0 : 0.0;
  return x / (x + y);
}

MixUp::MixUp(MixOptions options) : options_(options) { check_options("MixUp", options_); }

Batch MixUp::operator()(const Batch& batch, Generator& gen) const {
  Tensor input = checked_input("MixUp", batch, 1);
  const int64_t b = input.size(0);
  Tensor target = soft_targets("MixUp", batch.target, b, options_.num_classes, input.dtype());
  if (!detail::bernoulli(gen, options_.p)) return {input, target};
  const double lam = sample_beta(options_.alpha, options_.alpha, gen);
  input = input.is_same(batch.input) ? input.clone() : input;
  mix_rows(input, lam);
  mix_rows(target, lam);
  return {input, target};
}

CutMix::CutMix(MixOptions options) : options_(options) { check_options("CutMix", options_); }

Batch CutMix::operator()(const Batch& batch, Generator& gen) const {
  Tensor input = checked_input("CutMix", batch, 4);
  STRATA_CHECK(batch.input.dim() == 4, "CutMix: expects images [B, C, H, W], got shape {}",
               batch.input.shape().str());
  const int64_t b = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
  Tensor target = soft_targets("CutMix", batch.target, b, options_.num_classes, input.dtype());
  if (!detail::bernoulli(gen, options_.p) || h == 0 || w == 0) return {input, target};
  const double lam = sample_beta(options_.alpha, options_.alpha, gen);
  const int64_t rx = randint(gen, 0, w), ry = randint(gen, 0, h);
  const double r = 0.5 * std::sqrt(1.0 - lam);
  const auto rw = static_cast<int64_t>(r * static_cast<double>(w)),
             rh = static_cast<int64_t>(r * static_cast<double>(h));
  const int64_t x1 = std::max<int64_t>(rx - rw, 0), y1 = std::max<int64_t>(ry - rh, 0);
  const int64_t x2 = std::min(rx + rw, w), y2 = std::min(ry + rh, h);
  const Tensor src = input;
  Tensor out = input.clone();
  detail::dispatch_image_float(out.dtype(), "CutMix", [&]<typename T>() {
    const T* in = static_cast<const T*>(src.raw_data());
    T* o = static_cast<T*>(out.raw_data());
    for (int64_t i = 0; i < b; ++i) {
      const int64_t from = (i + b - 1) % b;
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t y = y1; y < y2; ++y)
          std::memcpy(o + ((i * c + ch) * h + y) * w + x1, in + ((from * c + ch) * h + y) * w + x1,
                      static_cast<size_t>(x2 - x1) * sizeof(T));
    }
  });
  // The label weight is the area actually kept (the box may be clipped at the border).
  const double kept = 1.0 - static_cast<double>((x2 - x1) * (y2 - y1)) / static_cast<double>(w * h);
  mix_rows(target, kept);
  return {out, target};
}

BatchTransform random_choice(std::vector<BatchTransform> transforms) {
  STRATA_CHECK(!transforms.empty(), "random_choice: no transforms given");
  for (size_t i = 0; i < transforms.size(); ++i)
    STRATA_CHECK(static_cast<bool>(transforms[i]), "random_choice: transform {} of {} is empty", i,
                 transforms.size());
  return [transforms = std::move(transforms)](const Batch& batch, Generator& gen) {
    const int64_t k = randint(gen, 0, static_cast<int64_t>(transforms.size()));
    return transforms[static_cast<size_t>(k)](batch, gen);
  };
}

namespace {

// A 64-bit digest of a tensor's bytes (8 at a time), for seeding: equal batches give equal seeds.
uint64_t digest(const Tensor& t, uint64_t h) {
  if (!t.defined()) return data::detail::mix64(h ^ 0x5bd1e995u);
  const Tensor c = t.contiguous();
  const auto* p = static_cast<const unsigned char*>(c.raw_data());
  const size_t n = static_cast<size_t>(c.numel()) * c.element_size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    h = (h ^ word) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
  }
  for (; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return data::detail::mix64(h ^ n);
}

}  // namespace

Collate mix_collate(BatchTransform transform, uint64_t seed, Collate base) {
  STRATA_CHECK(static_cast<bool>(transform), "mix_collate: transform is empty");
  STRATA_CHECK(static_cast<bool>(base), "mix_collate: base collate is empty");
  return
      [transform = std::move(transform), base = std::move(base), seed](const std::vector<Example>& examples) {
        Batch batch = base(examples);
        Generator gen(digest(batch.target, digest(batch.input, data::detail::mix64(seed))));
        return transform(batch, gen);
      };
}

}  // namespace strata::data::image
