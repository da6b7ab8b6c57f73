// Image files through stb_image / stb_image_write (implementations in Debian's libstb). stb decodes to
// interleaved HWC bytes; we transpose to CHW once. stb's failure reason is thread-local, so decoding is safe
// in DataLoader workers.
#include "strata/data/image/io.h"

#include <stb_image.h>
#include <stb_image_write.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>

#include "data/image/image_util.h"
#include "kernels/elementwise.h"

namespace strata::data::image {

std::vector<uint8_t> detail::read_file(const std::string& path, const char* who) {
  std::error_code ec;
  STRATA_CHECK(std::filesystem::is_regular_file(path, ec), "{}: {} does not exist or is not a file", who,
               path);
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "{}: cannot open {}: {}", who, path, std::strerror(errno));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  std::vector<uint8_t> bytes(static_cast<size_t>(std::max<std::streamoff>(size, 0)));
  if (!bytes.empty())
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  STRATA_CHECK(in.good() || in.eof(), "{}: cannot read {}: {}", who, path, std::strerror(errno));
  return bytes;
}

namespace {

// stb's luma for RGB -> grey, so converted files match what stb would decode.
inline uint8_t stb_luma(int r, int g, int b) {
  return static_cast<uint8_t>((r * 77 + g * 150 + b * 29) >> 8);
}

}  // namespace

Tensor convert_channels(const Tensor& image, int want, std::optional<double> background) {
  STRATA_CHECK(image.dtype() == kUInt8 && image.dim() == 3 && image.size(0) >= 1 && image.size(0) <= 4,
               "convert_channels: expects a u8 [C, H, W] image with C in 1..4, got {} of shape {}",
               dtype_name(image.dtype()), image.shape().str());
  STRATA_CHECK(want >= 1 && want <= 4, "convert_channels: channels must be 1..4, got {}", want);
  STRATA_CHECK(!background || (*background >= 0.0 && *background <= 1.0),
               "convert_channels: background must be in [0, 1], got {}", background.value_or(0.0));
  const int64_t c = image.size(0), hw = image.size(1) * image.size(2);
  if (c == want) return image;
  const Tensor img = image.contiguous();
  const bool has_alpha = c == 2 || c == 4;
  const int64_t colour = has_alpha ? c - 1 : c;
  const uint8_t* in = img.data_ptr<uint8_t>();
  // RGB(A) or grey(+alpha) -> planes r, g, b (with alpha applied when compositing).
  std::vector<uint8_t> rgb(static_cast<size_t>(3 * hw));
  const bool composite = has_alpha && background.has_value() && (want == 1 || want == 3);
  const float bg = background ? static_cast<float>(*background) * 255.0f : 0.0f;
  for (int64_t i = 0; i < hw; ++i) {
    const float a = has_alpha ? static_cast<float>(in[(c - 1) * hw + i]) / 255.0f : 1.0f;
    for (int64_t ch = 0; ch < 3; ++ch) {
      uint8_t v = in[(colour == 1 ? 0 : ch) * hw + i];
      if (composite) v = static_cast<uint8_t>(std::lround(static_cast<float>(v) * a + bg * (1.0f - a)));
      rgb[static_cast<size_t>(ch * hw + i)] = v;
    }
  }
  Tensor out = kernels::empty(Shape{want, img.size(1), img.size(2)}, kUInt8, kCPU);
  uint8_t* o = out.data_ptr<uint8_t>();
  const int64_t out_colour = (want == 2 || want == 4) ? want - 1 : want;
  for (int64_t i = 0; i < hw; ++i) {
    if (out_colour == 1) {
      o[i] = colour == 1 ? rgb[static_cast<size_t>(i)]
                         : stb_luma(rgb[static_cast<size_t>(i)], rgb[static_cast<size_t>(hw + i)],
                                    rgb[static_cast<size_t>(2 * hw + i)]);
    } else {
      for (int64_t ch = 0; ch < 3; ++ch) o[ch * hw + i] = rgb[static_cast<size_t>(ch * hw + i)];
    }
    if (want == 2 || want == 4) o[out_colour * hw + i] = has_alpha ? in[(c - 1) * hw + i] : uint8_t{255};
  }
  return out;
}

namespace {

// True when the bytes start with the PNG signature.
bool is_png(std::span<const uint8_t> bytes) {
  static constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return bytes.size() >= 8 && std::memcmp(bytes.data(), kSignature, 8) == 0;
}

// Walks the chunks of a PNG: a complete file reaches the IEND chunk before its bytes run out (stb would
// decode some truncated files without complaint). Returns the offset where a chunk overruns, or -1.
int64_t png_truncated_at(std::span<const uint8_t> bytes) {
  size_t at = 8;
  while (at + 12 <= bytes.size()) {
    const uint32_t length = (uint32_t{bytes[at]} << 24) | (uint32_t{bytes[at + 1]} << 16) |
                            (uint32_t{bytes[at + 2]} << 8) | uint32_t{bytes[at + 3]};
    const bool iend = std::memcmp(bytes.data() + at + 4, "IEND", 4) == 0;
    if (static_cast<uint64_t>(length) + 12 > bytes.size() - at) return static_cast<int64_t>(at);
    if (iend) return -1;
    at += static_cast<size_t>(length) + 12;
  }
  return static_cast<int64_t>(at);
}

}  // namespace

Tensor decode_image(std::span<const uint8_t> bytes, const ReadOptions& options, const std::string& name) {
  STRATA_CHECK(options.channels >= 0 && options.channels <= 4,
               "read_image: {}: channels must be 0 (as stored) or 1..4, got {}", name, options.channels);
  STRATA_CHECK(options.dtype == kUInt8 || options.dtype == kFloat32,
               "read_image: {}: dtype must be u8 or f32, got {}", name, dtype_name(options.dtype));
  STRATA_CHECK(!bytes.empty(), "read_image: {}: the file is empty", name);
  STRATA_CHECK(bytes.size() <= static_cast<size_t>(std::numeric_limits<int>::max()),
               "read_image: {}: {} bytes is too large for stb_image", name, bytes.size());
  if (is_png(bytes)) {
    const int64_t cut = png_truncated_at(bytes);
    STRATA_CHECK(cut < 0,
                 "read_image: {}: truncated PNG (the chunk at byte {} runs past the end of the {} bytes)",
                 name, cut, bytes.size());
  }
  int w = 0, h = 0, stored = 0;
  // The header's size is checked against the budget before stb allocates anything for the pixels.
  STRATA_CHECK(options.max_pixels > 0, "read_image: {}: max_pixels must be positive, got {}", name,
               options.max_pixels);
  if (stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &stored) != 0) {
    const int64_t pixel_count = static_cast<int64_t>(w) * h;
    STRATA_CHECK(
        pixel_count <= options.max_pixels,
        "read_image: {}: {} x {} image has {} pixels, above the budget of {} (ReadOptions::max_pixels)", name,
        w, h, pixel_count, options.max_pixels);
  }
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &stored, options.channels),
      stbi_image_free);
  if (!pixels) {
    const char* reason = stbi_failure_reason();
    STRATA_FAIL("read_image: {}: cannot decode ({})", name, reason != nullptr ? reason : "unknown reason");
  }
  const int c = options.channels > 0 ? options.channels : stored;
  const int64_t hw = static_cast<int64_t>(h) * w;
  Tensor out = kernels::empty(Shape{c, h, w}, options.dtype, kCPU);
  const stbi_uc* src = pixels.get();
  if (options.dtype == kUInt8) {
    uint8_t* dst = out.data_ptr<uint8_t>();
    for (int ch = 0; ch < c; ++ch) {
      uint8_t* plane = dst + ch * hw;
      for (int64_t i = 0; i < hw; ++i) plane[i] = src[i * c + ch];
    }
  } else {
    float* dst = out.data_ptr<float>();
    for (int ch = 0; ch < c; ++ch) {
      float* plane = dst + ch * hw;
      for (int64_t i = 0; i < hw; ++i) plane[i] = static_cast<float>(src[i * c + ch]) / 255.0f;
    }
  }
  return out;
}

Tensor read_image(const std::string& path, const ReadOptions& options) {
  const std::vector<uint8_t> bytes = detail::read_file(path, "read_image");
  return decode_image(bytes, options, path);
}

ImageInfo read_image_info(const std::string& path) {
  const std::vector<uint8_t> bytes = detail::read_file(path, "read_image_info");
  int w = 0, h = 0, c = 0;
  if (stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &c) == 0) {
    const char* reason = stbi_failure_reason();
    STRATA_FAIL("read_image_info: {}: not a readable image ({})", path,
                reason != nullptr ? reason : "unknown");
  }
  return {w, h, c};
}

namespace {

// The image as interleaved HWC bytes for stb_image_write; floating values are clamped to [0, 1] and rounded.
std::vector<uint8_t> to_hwc_bytes(const Tensor& image, const char* who, int& c, int& h, int& w) {
  STRATA_CHECK(image.defined(), "{}: image is undefined", who);
  STRATA_CHECK(image.device() == kCPU, "{}: image must be on the CPU (got a tensor on another device)", who);
  STRATA_CHECK(image.dim() == 2 || image.dim() == 3, "{}: expects a [C, H, W] or [H, W] image, got shape {}",
               who, image.shape().str());
  STRATA_CHECK(image.dtype() == kUInt8 || image.dtype() == kFloat32 || image.dtype() == kFloat64,
               "{}: expects a u8, f32 or f64 image, got {} of shape {}", who, dtype_name(image.dtype()),
               image.shape().str());
  const Tensor img = image.dim() == 2 ? image.unsqueeze(0).contiguous() : image.contiguous();
  c = static_cast<int>(img.size(0));
  h = static_cast<int>(img.size(1));
  w = static_cast<int>(img.size(2));
  STRATA_CHECK(c >= 1 && c <= 4, "{}: images have 1 to 4 channels, got shape {}", who, image.shape().str());
  STRATA_CHECK(h > 0 && w > 0, "{}: image of shape {} is empty", who, image.shape().str());
  const int64_t hw = static_cast<int64_t>(h) * w;
  std::vector<uint8_t> out(static_cast<size_t>(hw * c));
  if (img.dtype() == kUInt8) {
    const uint8_t* src = img.data_ptr<uint8_t>();
    for (int ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < hw; ++i) out[static_cast<size_t>(i * c + ch)] = src[ch * hw + i];
  } else {
    detail::dispatch_image_float(img.dtype(), who, [&]<typename T>() {
      const T* src = static_cast<const T*>(img.raw_data());
      for (int ch = 0; ch < c; ++ch)
        for (int64_t i = 0; i < hw; ++i) {
          const double v = std::clamp(static_cast<double>(src[ch * hw + i]), 0.0, 1.0);
          out[static_cast<size_t>(i * c + ch)] = static_cast<uint8_t>(std::lround(v * 255.0));
        }
    });
  }
  return out;
}

void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  const auto* p = static_cast<const uint8_t*>(data);
  out->insert(out->end(), p, p + size);
}

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return ext;
}

}  // namespace

std::vector<uint8_t> encode_png(const Tensor& image) {
  int c = 0, h = 0, w = 0;
  const std::vector<uint8_t> pixels = to_hwc_bytes(image, "encode_png", c, h, w);
  std::vector<uint8_t> out;
  STRATA_CHECK(stbi_write_png_to_func(append_bytes, &out, w, h, c, pixels.data(), w * c) != 0,
               "encode_png: stb_image_write failed for an image of shape {}", image.shape().str());
  return out;
}

void write_image(const std::string& path, const Tensor& image, const WriteOptions& options) {
  const std::string ext = lower_extension(path);
  STRATA_CHECK(ext == ".png" || ext == ".jpg" || ext == ".jpeg",
               "write_image: {}: unknown image extension '{}' (known: .png, .jpg, .jpeg)", path, ext);
  STRATA_CHECK(options.quality >= 1 && options.quality <= 100,
               "write_image: {}: JPEG quality must be in [1, 100], got {}", path, options.quality);
  std::vector<uint8_t> encoded;
  if (ext == ".png") {
    encoded = encode_png(image);
  } else {
    int c = 0, h = 0, w = 0;
    const std::vector<uint8_t> pixels = to_hwc_bytes(image, "write_image", c, h, w);
    STRATA_CHECK(stbi_write_jpg_to_func(append_bytes, &encoded, w, h, c, pixels.data(), options.quality) != 0,
                 "write_image: {}: stb_image_write failed for an image of shape {}", path,
                 image.shape().str());
  }
  // Write beside the target and rename: a reader never sees a half-written image.
  const std::string tmp = fmt::format("{}.tmp{}", path, static_cast<long>(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    STRATA_CHECK(out.good(), "write_image: cannot create {}: {}", path, std::strerror(errno));
    out.write(reinterpret_cast<const char*>(encoded.data()), static_cast<std::streamsize>(encoded.size()));
    out.close();
    if (!out) {
      std::filesystem::remove(tmp);
      STRATA_FAIL("write_image: cannot write {}: {}", path, std::strerror(errno));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    STRATA_FAIL("write_image: cannot move the image into {}: {}", path, ec.message());
  }
}

}  // namespace strata::data::image
