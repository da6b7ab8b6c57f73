// The LZ4 frame decoder on hand-made frames (literals, an overlapping match, a stored block, a skippable
// frame) and on corrupt input.
#include "data/graph/lz4_frame.h"

#include "test_util.h"

namespace strata::data::graph::detail {
namespace {

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s += static_cast<char>(b);
  return s;
}

const std::string kHeader = bytes({0x04, 0x22, 0x4D, 0x18, 0x40, 0x40, 0x00});

TEST(Lz4Frame, DecodesLiteralsAndOverlappingMatches) {
  // "abc" then a match of 9 at offset 3, then the literal "x"; a stored block "yz"; end mark.
  const std::string block = bytes({0x35, 'a', 'b', 'c', 0x03, 0x00, 0x10, 'x'});
  const std::string frame =
      kHeader + bytes({8, 0, 0, 0}) + block + bytes({2, 0, 0, 0x80}) + "yz" + bytes({0, 0, 0, 0});
  const std::string skippable = bytes({0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 1, 2, 3});
  EXPECT_EQ(lz4_frame_decompress(frame + skippable + frame, "t"), "abcabcabcabcxyzabcabcabcabcxyz");
}

TEST(Lz4Frame, RejectsCorruptInput) {
  EXPECT_ERROR_CONTAINS(lz4_frame_decompress("plain text", "list"), "list", "not an LZ4 frame");
  EXPECT_ERROR_CONTAINS(lz4_frame_decompress(kHeader + bytes({8, 0, 0, 0, 0x35}), "list"), "list",
                        "runs past");
  const std::string bad_offset = bytes({0x15, 'a', 0x09, 0x00, 0x10, 'x'});
  EXPECT_ERROR_CONTAINS(
      lz4_frame_decompress(kHeader + bytes({6, 0, 0, 0}) + bad_offset + bytes({0, 0, 0, 0}), "l"),
      "corrupt LZ4 block", "offset");
  EXPECT_ERROR_CONTAINS(lz4_frame_decompress(kHeader + bytes({8, 0}), "list"), "truncated");
}

}  // namespace
}  // namespace strata::data::graph::detail
