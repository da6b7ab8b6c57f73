// Decompression through liblz4's frame API, which handles linked and independent blocks, checksums and
// skippable frames; a file may hold several frames one after another.
#include "data/graph/lz4_frame.h"

#include <lz4frame.h>

#include <memory>

#include "strata/core/error.h"

namespace strata::data::graph::detail {

std::string lz4_frame_decompress(std::string_view in, const std::string& source) {
  LZ4F_dctx* raw = nullptr;
  const size_t created = LZ4F_createDecompressionContext(&raw, LZ4F_VERSION);
  STRATA_CHECK(!LZ4F_isError(created), "{}: cannot start LZ4 decompression: {}", source,
               LZ4F_getErrorName(created));
  const std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> dctx(
      raw, &LZ4F_freeDecompressionContext);
  std::string out;
  std::string chunk(size_t{1} << 20, '\0');
  size_t at = 0, hint = 1;
  while (at < in.size()) {
    size_t consumed = in.size() - at, produced = chunk.size();
    hint = LZ4F_decompress(dctx.get(), chunk.data(), &produced, in.data() + at, &consumed, nullptr);
    STRATA_CHECK(!LZ4F_isError(hint), "{}: not an LZ4 frame or corrupt at byte {}: {}", source, at,
                 LZ4F_getErrorName(hint));
    out.append(chunk.data(), produced);
    at += consumed;
    STRATA_CHECK(consumed > 0 || produced > 0, "{}: LZ4 decompression stalled at byte {}", source, at);
  }
  // 0 once the last frame is complete; otherwise the input stopped inside a frame.
  STRATA_CHECK(hint == 0, "{}: truncated LZ4 frame ({} bytes, the frame wants more)", source, in.size());
  return out;
}

}  // namespace strata::data::graph::detail
