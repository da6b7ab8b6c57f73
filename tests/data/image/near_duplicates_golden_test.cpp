// Perceptual hashes against the reference definition computed with torchvision and scipy's DCT
// (tests/fixtures/image_phash.safetensors, written by scripts/gen_fixtures_phash.py): every bit must match.
#include <gtest/gtest.h>

#include <bit>
#include <bitset>

#include "golden_util.h"
#include "strata/data/image/near_duplicates.h"

namespace strata::data::image {
namespace {

constexpr const char* kFile = "image_phash.safetensors";

TEST(PerceptualHashGolden, MatchesTheReferenceOnEveryCase) {
  const auto& tensors = golden::fixture(kFile);
  const std::set<std::string> names = golden::fixture_cases(kFile);
  ASSERT_GE(names.size(), 7u);
  for (const std::string& name : names) {
    const ImageHash want = static_cast<ImageHash>(tensors.at(name + ".hash").item<int64_t>());
    const ImageHash got = perceptual_hash(tensors.at(name + ".img"));
    EXPECT_EQ(got, want) << name << ": got " << std::bitset<64>(got) << ", want " << std::bitset<64>(want);
    // The median threshold sets half of the bits.
    EXPECT_EQ(std::popcount(got), 32) << name;
  }
}

}  // namespace
}  // namespace strata::data::image
