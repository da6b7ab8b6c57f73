#include "data/graph/lz4_frame.h"

#include <cstdint>
#include <cstring>

#include "strata/core/error.h"

namespace strata::data::graph::detail {
namespace {

uint32_t le32(std::string_view in, size_t at) {
  uint32_t v = 0;
  for (int k = 3; k >= 0; --k) v = (v << 8) | static_cast<uint8_t>(in[at + static_cast<size_t>(k)]);
  return v;
}

// Decodes one LZ4 block onto the end of `out` (earlier output serves as the dictionary of linked blocks).
void decode_block(std::string_view b, std::string& out, const std::string& source, size_t where) {
  size_t i = 0;
  auto fail = [&](const char* what) {
    STRATA_FAIL("{}: corrupt LZ4 block at byte {}: {}", source, where + i, what);
  };
  auto length = [&](size_t base) {
    if (base != 15) return base;
    while (true) {
      if (i >= b.size()) fail("truncated length");
      const auto c = static_cast<uint8_t>(b[i++]);
      base += c;
      if (c != 255) return base;
    }
  };
  while (i < b.size()) {
    const auto token = static_cast<uint8_t>(b[i++]);
    const size_t lit = length(token >> 4);
    if (lit > b.size() - i) fail("literals run past the block");
    out.append(b.data() + i, lit);
    i += lit;
    if (i == b.size()) return;  // the last sequence has literals only
    if (b.size() - i < 2) fail("truncated match offset");
    const size_t offset =
        static_cast<uint8_t>(b[i]) | (static_cast<size_t>(static_cast<uint8_t>(b[i + 1])) << 8);
    i += 2;
    if (offset == 0 || offset > out.size()) fail("match offset outside the output");
    const size_t len = length(token & 15) + 4;
    const size_t from = out.size() - offset;
    out.resize(out.size() + len);
    char* o = out.data();
    for (size_t k = 0; k < len; ++k) o[from + offset + k] = o[from + k];  // overlapping copies repeat
  }
}

}  // namespace

std::string lz4_frame_decompress(std::string_view in, const std::string& source) {
  std::string out;
  size_t at = 0;
  while (at < in.size()) {
    STRATA_CHECK(in.size() - at >= 4, "{}: truncated LZ4 frame at byte {}", source, at);
    const uint32_t magic = le32(in, at);
    if ((magic & 0xFFFFFFF0u) == 0x184D2A50u) {  // skippable frame
      STRATA_CHECK(in.size() - at >= 8, "{}: truncated skippable frame at byte {}", source, at);
      at += 8 + le32(in, at + 4);
      continue;
    }
    STRATA_CHECK(magic == 0x184D2204u, "{}: not an LZ4 frame (magic {:#x} at byte {})", source, magic, at);
    STRATA_CHECK(in.size() - at >= 7, "{}: truncated LZ4 frame header at byte {}", source, at);
    const auto flg = static_cast<uint8_t>(in[at + 4]);
    STRATA_CHECK((flg >> 6) == 1, "{}: unsupported LZ4 frame version {} at byte {}", source, flg >> 6, at);
    const bool block_checksum = flg & 0x10, content_size = flg & 0x08, content_checksum = flg & 0x04,
               dict_id = flg & 0x01;
    at += 6 + (content_size ? 8 : 0) + (dict_id ? 4 : 0) + 1;  // magic, FLG, BD, options, header checksum
    while (true) {
      STRATA_CHECK(in.size() >= at + 4, "{}: truncated LZ4 block header at byte {}", source, at);
      const uint32_t size_word = le32(in, at);
      at += 4;
      if (size_word == 0) break;  // end mark
      const size_t size = size_word & 0x7FFFFFFFu;
      STRATA_CHECK(in.size() - at >= size, "{}: LZ4 block of {} bytes at byte {} runs past the end", source,
                   size, at);
      if (size_word & 0x80000000u)
        out.append(in.data() + at, size);  // stored uncompressed
      else
        decode_block(in.substr(at, size), out, source, at);
      at += size + (block_checksum ? 4 : 0);
    }
    at += content_checksum ? 4 : 0;
  }
  return out;
}

}  // namespace strata::data::graph::detail
