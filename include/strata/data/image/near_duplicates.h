#pragma once
// Near-duplicate images by perceptual hash. Two copies of a picture that differ by re-encoding, resizing,
// small brightness or contrast changes or a light blur have hashes a few bits apart, while different
// pictures differ in about half of the 64 bits; a Hamming threshold separates the two.
//
// The hash is the DCT hash ("pHash", as the imagehash library computes it): greyscale, resize to 32x32
// (bilinear with antialiasing), 2-D DCT-II, the 8x8 lowest frequencies, one bit per coefficient: above their
// median or not. Bit i is coefficient (i / 8, i % 8).
#include <cstdint>
#include <memory>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/data/dataset.h"
#include "strata/data/table/report.h"

namespace strata::data::image {

using ImageHash = uint64_t;

// The hash of one image: [H, W] or [C, H, W] with C = 1, 3 (RGB) or 4 (RGBA, alpha ignored); u8, f32 or f64.
ImageHash perceptual_hash(const Tensor& image);
// The hashes of a batch [N, H, W] or [N, C, H, W], computed in parallel.
std::vector<ImageHash> perceptual_hashes(const Tensor& images);
// The number of bits in which two hashes differ, 0..64.
int hamming_distance(ImageHash a, ImageHash b);

struct NearDuplicateOptions {
  int max_distance = 4;  // hashes at most this many bits apart are near duplicates (0: identical hashes only)
};

// Images grouped with the earlier image they copy. Scanning in order, each image not yet claimed keeps its
// place and claims every later unclaimed image within max_distance of it, so the result does not depend on
// chains of small differences and the first copy of a picture is the one kept.
struct NearDuplicates {
  std::vector<std::vector<int64_t>> groups;  // each: the kept image, then its near copies (ascending)
  std::vector<int64_t> duplicates;           // every near copy, ascending: the images to drop
  std::vector<int> distances;                // distances[i]: bits between duplicates[i] and its kept image
};
NearDuplicates find_near_duplicates(const std::vector<ImageHash>& hashes,
                                    const NearDuplicateOptions& options = {});

// The images of `dataset` (inputs as perceptual_hash takes them) without their near copies, and a report of
// what was dropped ("drop_near_duplicate_images"; removed_rows are dataset indices; a note per group).
struct DedupResult {
  std::shared_ptr<const Dataset> dataset;
  NearDuplicates found;
  table::StepReport report;
};
DedupResult drop_near_duplicates(std::shared_ptr<const Dataset> dataset,
                                 const NearDuplicateOptions& options = {});

}  // namespace strata::data::image
