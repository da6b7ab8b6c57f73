#pragma once
// LZ4 frame decompression (the format of apt's *_Packages.lz4 lists) through liblz4 (Debian liblz4-dev):
// frames of LZ4 blocks, linked or independent, checksums, skippable frames, several frames in a row; errors
// name `source` and the byte offset.
#include <string>
#include <string_view>

namespace strata::data::graph::detail {

// The decompressed bytes of an LZ4 frame file's contents.
std::string lz4_frame_decompress(std::string_view in, const std::string& source);

}  // namespace strata::data::graph::detail
