#include "strata/data/image/io.h"

#include <gtest/gtest.h>

#include "data/image/image_test_util.h"

namespace strata::data::image {
namespace {

using testing::random_f32;
using testing::random_u8;
using testing::TempDir;

TEST(ImageIo, PngRoundTripsEveryChannelCountExactly) {
  TempDir dir;
  for (int64_t c = 1; c <= 4; ++c) {
    const Tensor img = random_u8(c, 7, 5, static_cast<uint64_t>(c));
    const std::string path = dir / fmt::format("img{}.png", c);
    write_image(path, img);
    const Tensor back = read_image(path);
    EXPECT_EQ(back.dtype(), kUInt8);
    EXPECT_EQ(back.shape(), (Shape{c, 7, 5}));
    EXPECT_TRUE(equal(back, img)) << "channels " << c;
  }
}

TEST(ImageIo, GreyTwoDimImageIsWrittenAsOneChannel) {
  TempDir dir;
  const Tensor img = random_u8(1, 6, 9).reshape({6, 9});
  write_image(dir / "g.png", img);
  EXPECT_TRUE(equal(read_image(dir / "g.png"), img.unsqueeze(0)));
}

TEST(ImageIo, ReadsAsF32InUnitRange) {
  TempDir dir;
  const Tensor img = random_u8(3, 4, 4);
  write_image(dir / "a.png", img);
  const Tensor f = read_image(dir / "a.png", {.dtype = kFloat32});
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_TRUE(allclose(f, img.to(kFloat32) / 255.0, 1e-6, 1e-7));
}

TEST(ImageIo, ConvertsChannelsOnRead) {
  TempDir dir;
  // A grey image read as RGB replicates the plane; RGB read as RGBA gets opaque alpha.
  const Tensor grey = random_u8(1, 5, 5);
  write_image(dir / "g.png", grey);
  const Tensor rgb = read_image(dir / "g.png", {.channels = 3});
  ASSERT_EQ(rgb.shape(), (Shape{3, 5, 5}));
  for (int64_t c = 0; c < 3; ++c) EXPECT_TRUE(equal(rgb.select(0, c), grey.select(0, 0)));
  const Tensor rgba = read_image(dir / "g.png", {.channels = 4});
  EXPECT_EQ(rgba.select(0, 3).min().item(), 255.0);
  // RGB read as grey uses stb's integer luma.
  const Tensor colour = random_u8(3, 2, 2, 7);
  write_image(dir / "c.png", colour);
  const Tensor g = read_image(dir / "c.png", {.channels = 1});
  const double r = colour.at({0, 1, 1}), gg = colour.at({1, 1, 1}), b = colour.at({2, 1, 1});
  EXPECT_EQ(g.at({0, 1, 1}), std::floor((r * 77 + gg * 150 + b * 29) / 256.0));
}

TEST(ImageIo, ConvertChannelsCompositesDropsOrAddsAlpha) {
  // Pixel 0 fully transparent red, pixel 1 opaque blue, pixel 2 half-transparent black.
  const Tensor rgba = from_vector<uint8_t>({255, 0, 0, 0, 0, 0, 0, 255, 0, 0, 255, 128}, Shape{4, 1, 3});
  EXPECT_EQ(convert_channels(rgba, 3, 1.0).to_vector<int64_t>(),
            (std::vector<int64_t>{255, 0, 127, 255, 0, 127, 255, 255, 127}));
  EXPECT_EQ(convert_channels(rgba, 3).to_vector<int64_t>(),
            (std::vector<int64_t>{255, 0, 0, 0, 0, 0, 0, 255, 0}));
  EXPECT_EQ(convert_channels(rgba, 1, 0.0).to_vector<int64_t>(), (std::vector<int64_t>{0, 28, 0}));
  // Grey is replicated, gets an opaque alpha, and a matching count is returned as is.
  const Tensor grey = from_vector<uint8_t>({10, 200}, Shape{1, 1, 2});
  EXPECT_EQ(convert_channels(grey, 3).to_vector<int64_t>(),
            (std::vector<int64_t>{10, 200, 10, 200, 10, 200}));
  EXPECT_EQ(convert_channels(grey, 2).to_vector<int64_t>(), (std::vector<int64_t>{10, 200, 255, 255}));
  EXPECT_TRUE(equal(convert_channels(grey, 1), grey));
  // It agrees with stb's conversion on read.
  TempDir dir;
  const Tensor colour = random_u8(3, 4, 4, 3);
  write_image(dir / "c.png", colour);
  EXPECT_TRUE(equal(convert_channels(colour, 1), read_image(dir / "c.png", {.channels = 1})));
  EXPECT_ERROR_CONTAINS(convert_channels(colour, 5), "channels must be 1..4");
  EXPECT_ERROR_CONTAINS(convert_channels(colour.to(kFloat32), 1), "expects a u8 [C, H, W] image");
  EXPECT_ERROR_CONTAINS(convert_channels(colour, 1, 1.5), "background must be in [0, 1]");
}

TEST(ImageIo, FloatImagesAreClampedAndRounded) {
  TempDir dir;
  const Tensor img = from_vector<float>({-0.5f, 0.0f, 0.5f, 1.0f, 2.0f, 0.2f}, Shape{1, 2, 3});
  write_image(dir / "f.png", img);
  EXPECT_EQ(read_image(dir / "f.png").to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 128, 255, 255, 51}));
  // f64 and non-contiguous inputs go through the same path.
  const Tensor f64 = random_f32(3, 4, 6).to(kFloat64).transpose(1, 2);
  write_image(dir / "t.png", f64);
  EXPECT_LE(testing::max_abs_diff(read_image(dir / "t.png", {.dtype = kFloat32}), f64), 0.5 / 255.0 + 1e-6);
}

TEST(ImageIo, JpegRoundTripIsClose) {
  TempDir dir;
  // A smooth gradient survives JPEG compression within a few levels.
  std::vector<float> v;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 16; ++x) v.push_back(static_cast<float>(x + y + 8 * c) / 60.0f);
  const Tensor img = from_vector(v, Shape{3, 16, 16});
  for (const char* name : {"a.jpg", "b.JPEG"}) {
    write_image(dir / name, img, {.quality = 95});
    const Tensor back = read_image(dir / name, {.dtype = kFloat32});
    ASSERT_EQ(back.shape(), img.shape());
    EXPECT_LT((back - img).abs().mean().item(), 0.02) << name;
  }
}

TEST(ImageIo, DecodesFromMemoryAndReportsInfo) {
  const Tensor img = random_u8(4, 3, 8);
  const std::vector<uint8_t> png = encode_png(img);
  EXPECT_TRUE(equal(decode_image(png), img));
  TempDir dir;
  testing::write_bytes(dir / "x.png", png);
  const ImageInfo info = read_image_info(dir / "x.png");
  EXPECT_EQ(info.width, 8);
  EXPECT_EQ(info.height, 3);
  EXPECT_EQ(info.channels, 4);
}

TEST(ImageIo, TruncatedPngRaisesNamingTheFile) {
  TempDir dir;
  const std::vector<uint8_t> png = encode_png(random_u8(3, 20, 20));
  // Cut inside the signature, inside IHDR, inside the image data, and just before the end.
  for (size_t keep : {size_t{5}, size_t{20}, png.size() / 2, png.size() - 12, png.size() - 1}) {
    const std::string path = dir / fmt::format("cut{}.png", keep);
    testing::write_bytes(path,
                         std::vector<uint8_t>(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(keep)));
    EXPECT_ERROR_CONTAINS(read_image(path), "read_image", path);
  }
  const std::string path = dir / "half.png";
  testing::write_bytes(
      path, std::vector<uint8_t>(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() / 2)));
  EXPECT_ERROR_CONTAINS(read_image(path), path, "truncated PNG");
}

TEST(ImageIo, CorruptAndEmptyFilesRaiseWithStbsReason) {
  TempDir dir;
  testing::write_bytes(dir / "junk.png", {'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e', '!'});
  EXPECT_ERROR_CONTAINS(read_image(dir / "junk.png"), dir / "junk.png", "cannot decode", "(");
  testing::write_bytes(dir / "empty.png", {});
  EXPECT_ERROR_CONTAINS(read_image(dir / "empty.png"), dir / "empty.png", "empty");
  // A PNG whose image data is damaged (but complete) fails in stb's decoder.
  std::vector<uint8_t> png = encode_png(random_u8(3, 16, 16));
  for (size_t i = 45; i < 60 && i < png.size() - 20; ++i) png[i] ^= 0xff;
  testing::write_bytes(dir / "bad.png", png);
  EXPECT_ERROR_CONTAINS(read_image(dir / "bad.png"), dir / "bad.png", "cannot decode");
  EXPECT_ERROR_CONTAINS(read_image_info(dir / "junk.png"), "read_image_info", dir / "junk.png");
}

TEST(ImageIo, PixelBudgetRefusesDecompressionBombsBeforeDecoding) {
  // A valid PNG whose IHDR is patched to declare 16000 x 16000 RGB pixels: within stb's own 1 GiB limit, so
  // without the budget stb would allocate 768 MB before finding the data missing; refused from the header.
  std::vector<uint8_t> png = encode_png(random_u8(3, 4, 4));
  for (size_t at : {size_t{16}, size_t{20}}) {  // IHDR width, height: big-endian u32
    const uint32_t v = 16000;
    for (size_t k = 0; k < 4; ++k) png[at + k] = static_cast<uint8_t>(v >> (24 - 8 * k));
  }
  TempDir dir;
  testing::write_bytes(dir / "bomb.png", png);
  EXPECT_ERROR_CONTAINS(read_image(dir / "bomb.png"), dir / "bomb.png", "16000 x 16000", "256000000 pixels",
                        "max_pixels");
  // The budget is an option: a 4 x 4 image passes 16 pixels and fails 15.
  const std::vector<uint8_t> small = encode_png(random_u8(1, 4, 4));
  EXPECT_EQ(decode_image(small, {.max_pixels = 16}).shape(), (Shape{1, 4, 4}));
  EXPECT_ERROR_CONTAINS(decode_image(small, {.max_pixels = 15}), "16 pixels, above the budget of 15");
  EXPECT_ERROR_CONTAINS(decode_image(small, {.max_pixels = 0}), "max_pixels must be positive");
}

TEST(ImageIo, MissingFilesAndBadOptionsRaise) {
  TempDir dir;
  EXPECT_ERROR_CONTAINS(read_image(dir / "nope.png"), "read_image", dir / "nope.png", "does not exist");
  EXPECT_ERROR_CONTAINS(read_image(dir.str()), "not a file");
  write_image(dir / "a.png", random_u8(1, 2, 2));
  EXPECT_ERROR_CONTAINS(read_image(dir / "a.png", {.channels = 5}), "channels must be 0");
  EXPECT_ERROR_CONTAINS(read_image(dir / "a.png", {.dtype = kInt64}), "dtype must be u8 or f32");
}

TEST(ImageIo, WriteRejectsBadImagesAndPaths) {
  TempDir dir;
  EXPECT_ERROR_CONTAINS(write_image(dir / "a.bmp", random_u8(3, 2, 2)), "unknown image extension '.bmp'");
  EXPECT_ERROR_CONTAINS(write_image(dir / "a.png", random_u8(5, 2, 2)), "1 to 4 channels", "[5, 2, 2]");
  EXPECT_ERROR_CONTAINS(write_image(dir / "a.png", zeros({1, 3, 2, 2})), "[C, H, W] or [H, W]",
                        "[1, 3, 2, 2]");
  EXPECT_ERROR_CONTAINS(write_image(dir / "a.png", zeros({3, 2, 2}, {.dtype = kInt64})), "u8, f32 or f64",
                        "i64");
  EXPECT_ERROR_CONTAINS(write_image(dir / "a.png", zeros({3, 0, 2})), "empty");
  EXPECT_ERROR_CONTAINS(write_image(dir / "a.jpg", random_u8(3, 2, 2), {.quality = 0}), "quality");
  EXPECT_ERROR_CONTAINS(write_image(dir / "missing_dir/a.png", random_u8(3, 2, 2)), "cannot create",
                        "missing_dir/a.png");
  EXPECT_FALSE(std::filesystem::exists(dir / "a.png"));
}

TEST(ImageIo, WriteReplacesAnExistingFile) {
  TempDir dir;
  write_image(dir / "a.png", random_u8(3, 4, 4, 1));
  const Tensor second = random_u8(1, 2, 3, 2);
  write_image(dir / "a.png", second);
  EXPECT_TRUE(equal(read_image(dir / "a.png"), second));
  // No temporary file is left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.str())) ++files;
  EXPECT_EQ(files, 1);
}

}  // namespace
}  // namespace strata::data::image
