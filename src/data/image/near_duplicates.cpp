#include "strata/data/image/near_duplicates.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numbers>

#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/data/image/functional.h"

namespace strata::data::image {
namespace {

constexpr int64_t kSide = 32;  // the image is reduced to kSide x kSide before the DCT
constexpr int64_t kLow = 8;    // kLow x kLow lowest frequencies make the 64 bits

// cos(pi (2n + 1) k / (2 kSide)) for the kLow lowest frequencies k: the DCT-II basis (unnormalised; the
// median threshold does not depend on the scale).
const std::array<double, kLow * kSide>& dct_basis() {
  static const std::array<double, kLow* kSide> basis = [] {
    std::array<double, kLow * kSide> b{};
    for (int64_t k = 0; k < kLow; ++k) {
      for (int64_t n = 0; n < kSide; ++n)
        b[k * kSide + n] = std::cos(std::numbers::pi * static_cast<double>((2 * n + 1) * k) / (2.0 * kSide));
    }
    return b;
  }();
  return basis;
}

// [H, W] or [C, H, W] -> the f64 [1, kSide, kSide] greyscale thumbnail.
Tensor thumbnail(const Tensor& image) {
  STRATA_CHECK(image.dim() == 2 || image.dim() == 3,
               "perceptual_hash: expected an image [H, W] or [C, H, W], got shape {}", image.shape().str());
  STRATA_CHECK(image.dtype() == kUInt8 || image.dtype() == kFloat32 || image.dtype() == kFloat64,
               "perceptual_hash: expected a u8, f32 or f64 image, got {}", dtype_name(image.dtype()));
  Tensor x = image.dim() == 2 ? image.unsqueeze(0) : image;
  const int64_t c = x.size(0);
  STRATA_CHECK(c == 1 || c == 3 || c == 4, "perceptual_hash: expected 1, 3 or 4 channels, got {} (shape {})",
               c, image.shape().str());
  STRATA_CHECK(x.size(1) > 0 && x.size(2) > 0, "perceptual_hash: empty image of shape {}",
               image.shape().str());
  x = x.to(kFloat64);
  if (c == 4) x = x.narrow(0, 0, 3);
  if (c != 1) x = rgb_to_grayscale(x);
  return resize(x, {kSide, kSide}, {.interpolation = Interpolation::Bilinear, .antialias = true})
      .contiguous();
}

}  // namespace

ImageHash perceptual_hash(const Tensor& image) {
  const Tensor t = thumbnail(image);
  const double* px = t.data_ptr<double>();
  const auto& basis = dct_basis();
  // rows[k][x] = sum_y basis[k][y] px[y][x], then low[k][l] = sum_x rows[k][x] basis[l][x].
  std::array<double, kLow * kSide> rows{};
  for (int64_t k = 0; k < kLow; ++k) {
    for (int64_t y = 0; y < kSide; ++y) {
      const double b = basis[k * kSide + y];
      for (int64_t x = 0; x < kSide; ++x) rows[k * kSide + x] += b * px[y * kSide + x];
    }
  }
  std::array<double, kLow * kLow> low{};
  for (int64_t k = 0; k < kLow; ++k) {
    for (int64_t l = 0; l < kLow; ++l) {
      double s = 0;
      for (int64_t x = 0; x < kSide; ++x) s += rows[k * kSide + x] * basis[l * kSide + x];
      low[k * kLow + l] = s;
    }
  }
  std::array<double, kLow* kLow> sorted = low;
  std::sort(sorted.begin(), sorted.end());
  const double median = 0.5 * (sorted[kLow * kLow / 2 - 1] + sorted[kLow * kLow / 2]);
  ImageHash hash = 0;
  for (int64_t i = 0; i < kLow * kLow; ++i) {
    if (low[i] > median) hash |= ImageHash{1} << i;
  }
  return hash;
}

std::vector<ImageHash> perceptual_hashes(const Tensor& images) {
  STRATA_CHECK(images.dim() == 3 || images.dim() == 4,
               "perceptual_hashes: expected images [N, H, W] or [N, C, H, W], got shape {}",
               images.shape().str());
  const int64_t n = images.size(0);
  std::vector<ImageHash> out(static_cast<size_t>(n));
  // Checked once here so that no worker thread has to throw.
  if (n > 0) out[0] = perceptual_hash(images.select(0, 0));
#pragma omp parallel for schedule(dynamic, 64) if (n > 256)
  for (int64_t i = 1; i < n; ++i) out[static_cast<size_t>(i)] = perceptual_hash(images.select(0, i));
  return out;
}

int hamming_distance(ImageHash a, ImageHash b) { return std::popcount(a ^ b); }

NearDuplicates find_near_duplicates(const std::vector<ImageHash>& hashes,
                                    const NearDuplicateOptions& options) {
  STRATA_CHECK(options.max_distance >= 0 && options.max_distance <= 64,
               "find_near_duplicates: max_distance must be in [0, 64], got {}", options.max_distance);
  const int64_t n = static_cast<int64_t>(hashes.size());
  std::vector<int64_t> owner(hashes.size(), -1);  // the kept image that claimed each copy
  std::vector<int> distance(hashes.size(), 0);
  NearDuplicates out;
  for (int64_t i = 0; i < n; ++i) {
    if (owner[i] >= 0) continue;
    std::vector<int64_t> group{i};
    for (int64_t j = i + 1; j < n; ++j) {
      if (owner[j] >= 0) continue;
      const int d = hamming_distance(hashes[i], hashes[j]);
      if (d <= options.max_distance) {
        owner[j] = i;
        distance[j] = d;
        group.push_back(j);
      }
    }
    if (group.size() > 1) out.groups.push_back(std::move(group));
  }
  for (int64_t j = 0; j < n; ++j) {
    if (owner[j] >= 0) {
      out.duplicates.push_back(j);
      out.distances.push_back(distance[j]);
    }
  }
  return out;
}

DedupResult drop_near_duplicates(std::shared_ptr<const Dataset> dataset,
                                 const NearDuplicateOptions& options) {
  STRATA_CHECK(dataset != nullptr, "drop_near_duplicates: no dataset");
  const int64_t n = dataset->size();
  std::vector<ImageHash> hashes(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) hashes[static_cast<size_t>(i)] = perceptual_hash(dataset->get(i).input);
  DedupResult result;
  result.found = find_near_duplicates(hashes, options);
  std::vector<int64_t> keep;
  keep.reserve(static_cast<size_t>(n));
  size_t d = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (d < result.found.duplicates.size() && result.found.duplicates[d] == i) {
      ++d;
    } else {
      keep.push_back(i);
    }
  }
  table::StepReport& r = result.report;
  r.step = "drop_near_duplicate_images";
  r.description =
      fmt::format("perceptual hash (64-bit DCT), near duplicates within {} bits", options.max_distance);
  r.rows_before = n;
  r.rows_after = static_cast<int64_t>(keep.size());
  r.removed_rows = result.found.duplicates;
  for (const auto& group : result.found.groups) {
    std::string copies;
    for (size_t k = 1; k < group.size(); ++k) copies += fmt::format("{}{}", k > 1 ? ", " : "", group[k]);
    r.notes.push_back(fmt::format("image {} kept; near copies dropped: {}", group[0], copies));
  }
  result.dataset = std::make_shared<Subset>(std::move(dataset), std::move(keep));
  return result;
}

}  // namespace strata::data::image
