#include "strata/data/idx.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "strata/data/mnist.h"
#include "test_util.h"

namespace strata::data {
namespace {

namespace fs = std::filesystem;

class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("strata_idx_" + std::to_string(::getpid()));
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
