// IDX reader. zlib's gzread reads gzip and plain files alike, so one path serves .gz and raw files.
#include "strata/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "strata/core/factory.h"
#include "strata/core/numel.h"

namespace strata::data {
namespace {

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<std::remove_pointer_t<gzFile>, GzCloser>;

void read_exact(gzFile f, void* dst, size_t n, const std::string& path, const char* what) {
  size_t done = 0;
  auto* p = static_cast<char*>(dst);
  while (done < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
    const int got = gzread(f, p + done, chunk);
    if (got < 0) {
      int errnum = 0;
      STRATA_FAIL("{}: cannot read {}: {}", path, what, gzerror(f, &errnum));
    }
    STRATA_CHECK(got > 0, "{}: file is truncated while reading {} ({} of {} bytes)", path, what, done, n);
    done += static_cast<size_t>(got);
  }
}

uint32_t big_endian_u32(const unsigned char* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

template <typename Src, typename Dst>
void convert_big_endian(const std::vector<unsigned char>& raw, Dst* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    unsigned char bytes[sizeof(Src)];
    for (size_t k = 0; k < sizeof(Src); ++k) bytes[k] = raw[i * sizeof(Src) + sizeof(Src) - 1 - k];
    Src v;
    std::memcpy(&v, bytes, sizeof(Src));
    out[i] = static_cast<Dst>(v);
  }
}

}  // namespace

Tensor read_idx(const std::string& path) {
  STRATA_CHECK(std::filesystem::exists(path), "read_idx: file {} does not exist", path);
  GzFile f(gzopen(path.c_str(), "rb"));
  STRATA_CHECK(f != nullptr, "read_idx: cannot open {}", path);
  unsigned char magic[4];
  read_exact(f.get(), magic, 4, path, "the magic number");
  STRATA_CHECK(magic[0] == 0 && magic[1] == 0,
               "{}: not an IDX file (magic bytes {:02x} {:02x}, expected 00 00)", path, magic[0], magic[1]);
  const int ndim = magic[3];
  STRATA_CHECK(ndim >= 1 && ndim <= static_cast<int>(kMaxDims), "{}: unsupported number of dimensions {}",
               path, ndim);
  Shape shape;
  for (int d = 0; d < ndim; ++d) {
    unsigned char b[4];
    read_exact(f.get(), b, 4, path, "the dimensions");
    shape.push_back(big_endian_u32(b));
  }
  size_t elem = 0;
  Dtype dtype;
  switch (magic[2]) {
    case 0x08:
      elem = 1, dtype = kUInt8;
      break;
    case 0x09:
      elem = 1, dtype = kInt64;
      break;
    case 0x0B:
      elem = 2, dtype = kInt64;
      break;
    case 0x0C:
      elem = 4, dtype = kInt64;
      break;
    case 0x0D:
      elem = 4, dtype = kFloat32;
      break;
    case 0x0E:
      elem = 8, dtype = kFloat64;
      break;
    default:
      STRATA_FAIL("{}: unknown IDX data type code 0x{:02x}", path, magic[2]);
  }
  // The header is hostile until the file backs it: the element count must not overflow, and the data it
  // declares must fit in the file before anything is allocated.
  const int64_t n = checked_numel(shape, path + ": header");
  uint64_t data_bytes = 0;
  STRATA_CHECK(!__builtin_mul_overflow(static_cast<uint64_t>(n), static_cast<uint64_t>(elem), &data_bytes),
               "{}: header declares shape {} whose byte size overflows a 64-bit integer", path, shape.str());
  const uint64_t file_bytes = std::filesystem::file_size(path);
  const uint64_t header_bytes = 4 + 4 * static_cast<uint64_t>(ndim);
  if (gzdirect(f.get())) {
    STRATA_CHECK(data_bytes <= file_bytes - std::min(file_bytes, header_bytes),
                 "{}: header declares shape {} ({} data bytes) but the file holds {} bytes after the {} byte "
                 "header",
                 path, shape.str(), data_bytes, file_bytes - std::min(file_bytes, header_bytes),
                 header_bytes);
  } else {
    // Deflate expands at most about 1032:1, so a gzip file of `file_bytes` cannot hold more than this.
    constexpr uint64_t kMaxDeflateRatio = 1032;
    STRATA_CHECK(data_bytes / kMaxDeflateRatio <= file_bytes,
                 "{}: header declares shape {} ({} data bytes), more than a gzip file of {} bytes can hold",
                 path, shape.str(), data_bytes, file_bytes);
  }
  Tensor out = empty(shape, {.dtype = dtype});
  if (magic[2] == 0x08) {
    read_exact(f.get(), out.raw_data(), static_cast<size_t>(n), path, "the data");
  } else {
    std::vector<unsigned char> raw(static_cast<size_t>(n) * elem);
    read_exact(f.get(), raw.data(), raw.size(), path, "the data");
    switch (magic[2]) {
      case 0x09:
        for (int64_t i = 0; i < n; ++i) out.data_ptr<int64_t>()[i] = static_cast<int8_t>(raw[i]);
        break;
      case 0x0B:
        convert_big_endian<int16_t>(raw, out.data_ptr<int64_t>(), n);
        break;
      case 0x0C:
        convert_big_endian<int32_t>(raw, out.data_ptr<int64_t>(), n);
        break;
      case 0x0D:
        convert_big_endian<float>(raw, out.data_ptr<float>(), n);
        break;
      case 0x0E:
        convert_big_endian<double>(raw, out.data_ptr<double>(), n);
        break;
    }
  }
  unsigned char extra;
  STRATA_CHECK(gzread(f.get(), &extra, 1) == 0, "{}: unexpected data after the {} elements of shape {}", path,
               n, shape.str());
  return out;
}

}  // namespace strata::data
