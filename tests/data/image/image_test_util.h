#pragma once
// Helpers of the image tests: a temporary folder removed at the end of the test, and random images.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "data/data_test_util.h"
#include "strata/data/image/all.h"

namespace strata::data::image::testing {

// A fresh folder under the system temp dir, deleted with everything in it when the object dies.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() / fmt::format("strata_image_{}_{}_{}",
                                                                 info ? info->name() : "test",
                                                                 static_cast<long>(::getpid()), counter()++);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // The path of `name` inside the folder.
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  std::string str() const { return path_.string(); }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path path_;
};

// A u8 [c, h, w] image with pseudo-random pixels.
inline Tensor random_u8(int64_t c, int64_t h, int64_t w, uint64_t seed = 1) {
  Generator g(seed);
  return randint(0, 256, Shape{c, h, w}, {.dtype = kInt64}, &g).to(kUInt8);
}

// A f32 [c, h, w] image uniform in [0, 1).
inline Tensor random_f32(int64_t c, int64_t h, int64_t w, uint64_t seed = 1) {
  Generator g(seed);
  return rand(Shape{c, h, w}, {}, &g);
}

// Writes raw bytes to a file.
inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Largest |a - b| over all elements (as double).
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double m = 0.0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}

}  // namespace strata::data::image::testing
