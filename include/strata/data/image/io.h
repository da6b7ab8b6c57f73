#pragma once
// PNG and JPEG (and the other formats stb_image decodes: BMP, GIF, TGA, PSD, HDR, PNM) to and from tensors in
// CHW layout. Pixels are u8 [C, H, W] as stored, or f32 [C, H, W] in [0, 1] (value / 255, like torchvision's
// ToTensor). C is 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::data::image {

// Images above this many pixels are refused before decoding (PIL's decompression-bomb limit, 2 x 89,478,485):
// a few hundred bytes of PNG can declare gigabytes of pixels.
inline constexpr int64_t kDefaultMaxPixels = 178956970;

struct ReadOptions {
  int channels = 0;      // 0: as stored; 1, 2, 3 or 4: converted by stb (RGB -> grey uses stb's weights)
  Dtype dtype = kUInt8;  // u8 (as stored) or f32 (value / 255)
  int64_t max_pixels = kDefaultMaxPixels;  // width x height budget, checked from the header before decoding
};

// Reads an image file into a [C, H, W] tensor; errors name the file and stb's reason (truncated, corrupt).
Tensor read_image(const std::string& path, const ReadOptions& options = {});
// Decodes an encoded image held in memory; `name` is what error messages call it.
Tensor decode_image(std::span<const uint8_t> bytes, const ReadOptions& options = {},
                    const std::string& name = "<memory>");
// Width, height and stored channel count of an image file without decoding the pixels.
struct ImageInfo {
  int64_t width = 0, height = 0, channels = 0;
};
ImageInfo read_image_info(const std::string& path);

// Converts a u8 [C, H, W] image as stored (C = 1..4) to `channels` (1..4): grey is replicated to RGB, RGB
// becomes grey with stb's luma weights (as read_image's conversion), a missing alpha is opaque. Alpha is
// dropped (like PIL's convert("RGB")), or with `background` in [0, 1] first composited over that grey level.
Tensor convert_channels(const Tensor& image, int channels, std::optional<double> background = {});

struct WriteOptions {
  int quality = 95;  // JPEG quality in [1, 100]
};

// Writes a [C, H, W] (or [H, W]) u8 tensor, or a floating one in [0, 1] (clamped, rounded to u8), as PNG or
// JPEG by the file's extension (.png, .jpg, .jpeg); JPEG drops an alpha channel. The file is replaced
// atomically.
void write_image(const std::string& path, const Tensor& image, const WriteOptions& options = {});
// Encodes as PNG into memory.
std::vector<uint8_t> encode_png(const Tensor& image);

}  // namespace strata::data::image
