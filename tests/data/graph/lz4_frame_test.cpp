// LZ4 frame decompression of frames written by liblz4 (independent and linked blocks, content checksums, two
// frames around a skippable frame) and of corrupt input.
#include "data/graph/lz4_frame.h"

#include <lz4frame.h>

#include "test_util.h"

namespace strata::data::graph::detail {
namespace {

std::string compress(const std::string& text, bool linked) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = linked ? LZ4F_blockLinked : LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  std::string out(LZ4F_compressFrameBound(text.size(), &prefs), '\0');
  const size_t n = LZ4F_compressFrame(out.data(), out.size(), text.data(), text.size(), &prefs);
  EXPECT_FALSE(LZ4F_isError(n));
  out.resize(n);
  return out;
}

// Package-list-like text longer than one 64 KB block, with repeats for matches to find.
std::string sample() {
  std::string s;
  for (int i = 0; i < 4000; ++i)
    s += "Package: lib" + std::to_string(i * 7919 % 1000) + "\nSection: libs\n\n";
  return s;
}

TEST(Lz4Frame, DecodesFramesInARowAroundASkippableFrame) {
  const std::string text = sample();
  ASSERT_GT(text.size(), 65536u);
  const std::string skippable{'\x50', '\x2A', '\x4D', '\x18', 3, 0, 0, 0, 1, 2, 3};
  EXPECT_EQ(lz4_frame_decompress(compress(text, true), "t"), text);
  EXPECT_EQ(lz4_frame_decompress(compress(text, false) + skippable + compress("tail", true), "t"),
            text + "tail");
}

TEST(Lz4Frame, RejectsCorruptInput) {
  EXPECT_ERROR_CONTAINS(lz4_frame_decompress("plain text", "list"), "list", "not an LZ4 frame");
  const std::string frame = compress(sample(), true);
  EXPECT_ERROR_CONTAINS(lz4_frame_decompress(frame.substr(0, frame.size() / 2), "list"), "list", "truncated");
  std::string flipped = frame;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x5a);
  EXPECT_ERROR_CONTAINS(lz4_frame_decompress(flipped, "list"), "list", "corrupt");
}

}  // namespace
}  // namespace strata::data::graph::detail
