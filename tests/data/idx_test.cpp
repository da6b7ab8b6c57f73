#include "strata/data/idx.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "strata/data/mnist.h"
#include "temp_path.h"
#include "test_util.h"

namespace strata::data {
namespace {

namespace fs = std::filesystem;

class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::unique_temp_path("idx");
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::vector<unsigned char>& bytes, bool gzip = false) {
    const std::string path = (dir_ / name).string();
    if (gzip) {
      gzFile f = gzopen(path.c_str(), "wb");
      gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
      gzclose(f);
    } else {
      std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
    return path;
  }

  static void expect_error(const std::string& path, const std::string& needle) {
    try {
      read_idx(path);
      FAIL() << "expected an error for " << path;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }

  fs::path dir_;
};

const std::vector<unsigned char> kU8Matrix = {0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6};

TEST_F(IdxTest, ReadsRawAndGzip) {
  for (bool gz : {false, true}) {
    Tensor t = read_idx(write(gz ? "m.gz" : "m", kU8Matrix, gz));
    EXPECT_EQ(t.shape(), (Shape{2, 3}));
    EXPECT_EQ(t.dtype(), kUInt8);
    EXPECT_EQ(t.to_vector<uint8_t>(), (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
  }
}

TEST_F(IdxTest, ConvertsBigEndianTypes) {
  // i32 [2]: 258, -1 ; f32 [1]: 1.5
  Tensor i = read_idx(write("i", {0, 0, 0x0C, 1, 0, 0, 0, 2, 0, 0, 1, 2, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{258, -1}));
  Tensor f = read_idx(write("f", {0, 0, 0x0D, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0}));
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{1.5f}));
}

TEST_F(IdxTest, MalformedFilesRaiseClearErrors) {
  expect_error((dir_ / "absent").string(), "does not exist");
  expect_error(write("short", {0, 0}), "truncated");
  expect_error(write("magic", {1, 2, 8, 1, 0, 0, 0, 1, 0}), "not an IDX file");
  expect_error(write("type", {0, 0, 0x42, 1, 0, 0, 0, 1, 0}), "unknown IDX data type");
  std::vector<unsigned char> cut(kU8Matrix.begin(), kU8Matrix.end() - 2);
  expect_error(write("cut", cut, true), "truncated");
  std::vector<unsigned char> extra = kU8Matrix;
  extra.push_back(9);
  expect_error(write("extra", extra), "unexpected data");
}

// Big-endian u32 header words.
std::vector<unsigned char> idx_header(unsigned char type, const std::vector<uint32_t>& dims) {
  std::vector<unsigned char> h = {0, 0, type, static_cast<unsigned char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift : {24, 16, 8, 0}) h.push_back(static_cast<unsigned char>(d >> shift));
  return h;
}

TEST_F(IdxTest, HeaderWhoseElementCountOverflowsIsAnErrorNotACrash) {
  // 4 x 2^31 x 2^31 = 2^64 elements: the product wraps to 0 in 64 bits, which once let the loader build
  // a tensor with no storage and read past it.
  const uint32_t big = 1u << 31;
  std::vector<unsigned char> images = idx_header(0x08, {4, big, big});
  images.insert(images.end(), 64, 7);
  write("t10k-images-idx3-ubyte.gz", images, true);
  std::vector<unsigned char> labels = idx_header(0x08, {4});
  labels.insert(labels.end(), {1, 2, 3, 4});
  write("t10k-labels-idx1-ubyte.gz", labels, true);
  EXPECT_ERROR_CONTAINS(load_fashion_mnist(false, dir_.string()), "t10k-images-idx3-ubyte.gz",
                        "[4, 2147483648, 2147483648]", "overflows");
  expect_error(write("wrap", idx_header(0x0D, {1u << 31, 1u << 31})), "byte size overflows");
}

TEST_F(IdxTest, DeclaredSizeMustFitTheFile) {
  // A raw file must hold exactly the declared bytes; a gzip file at most what deflate can expand to.
  std::vector<unsigned char> raw = idx_header(0x08, {1000, 1000});
  raw.insert(raw.end(), 10, 0);
  expect_error(write("raw", raw), "1000000 data bytes");
  std::vector<unsigned char> gz = idx_header(0x0E, {1u << 20, 1u << 20});
  gz.insert(gz.end(), 16, 0);
  expect_error(write("gz", gz, true), "more than a gzip file");
}

TEST_F(IdxTest, MissingDatasetNamesThePackage) {
  try {
    load_fashion_mnist(true, (dir_ / "nowhere").string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("dataset-fashion-mnist"), std::string::npos) << e.what();
  }
}

TEST(FashionMnist, LoadsTheTestSplit) {
  ImageSplit test = load_fashion_mnist(false);
  EXPECT_EQ(test.images.shape(), (Shape{10000, 28, 28}));
  EXPECT_EQ(test.labels.shape(), (Shape{10000}));
  EXPECT_EQ(test.labels.dtype(), kInt64);
  const auto labels = test.labels.to_vector<int64_t>();
  std::vector<int> counts(10);
  for (int64_t l : labels) ++counts.at(l);
  for (int c : counts) EXPECT_EQ(c, 1000);  // Fashion-MNIST's test split is balanced
}

}  // namespace
}  // namespace strata::data
