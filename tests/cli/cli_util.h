#pragma once
// Running the `strata` binary from a test: a scratch folder per test, the exit code and both outputs, and
// the check that a failure is one line "strata: error: ..." with exit code 2.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "strata/data/image/io.h"
#include "strata/strata.h"

namespace strata::cli_test {

namespace fs = std::filesystem;

struct CliResult {
  int code = -1;
  std::string out, err;
};

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The repository's configs/ folder (beside tests/fixtures).
inline fs::path configs_dir() {
  return fs::path(STRATA_FIXTURES_DIR).parent_path().parent_path() / "configs";
}

// A labelled folder of small colour images, root/{blue,green,red}/NN.{png,jpg}, `per_class` images each of
// assorted sizes (9 to 19 pixels a side) stored in turn as RGB PNG, RGBA PNG and RGB JPEG; each pixel is
// near its class's colour, so even a tiny model separates the classes. `grey_every` > 0 also stores every
// such image as a one-channel PNG.
inline void write_colour_folder(const fs::path& root, int per_class, int grey_every = 0) {
  const std::vector<std::string> classes{"blue", "green", "red"};
  Generator gen(11);
  for (size_t c = 0; c < classes.size(); ++c) {
    fs::create_directories(root / classes[c]);
    for (int i = 0; i < per_class; ++i) {
      const int64_t h = 9 + (i * 5 + static_cast<int64_t>(c)) % 11, w = 9 + (i * 7 + 3) % 11;
      const int64_t channels = grey_every > 0 && i % grey_every == grey_every - 1 ? 1 : (i % 3 == 1 ? 4 : 3);
      // Noise in [0, 90) on every channel, plus 160 on the class's own (blue: 2, green: 1, red: 0).
      Tensor img = randint(0, 90, Shape{channels, h, w}, {.dtype = kInt64}, &gen);
      if (channels >= 3) img.select(0, static_cast<int64_t>(2 - c)).add_(160.0);
      if (channels == 1) img.add_(static_cast<double>(c) * 80.0);
      if (channels == 4) img.select(0, 3).fill_(255.0);
      const bool jpeg = channels == 3 && i % 3 == 2;
      data::image::write_image(
          (root / classes[c] / fmt::format("{:02}.{}", i, jpeg ? "jpg" : "png")).string(), img.to(kUInt8));
    }
  }
}

// A fresh folder per test under the system temp folder, removed afterwards; run() runs strata there.
class CliFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           fmt::format("strata_{}_{}_{}", info->test_suite_name(), getpid(), info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `text` to `name` inside the test's folder (creating its parent folders).
  void write(const fs::path& name, const std::string& text) const {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
  }

  // Runs `strata args...` in the test's folder.
  CliResult run(const std::vector<std::string>& args) const {
    std::string cmd = "cd " + shell_quote(dir_.string()) + " && " + shell_quote(STRATA_CLI_PATH);
    for (const auto& a : args) cmd += " " + shell_quote(a);
    cmd += " >stdout.txt 2>stderr.txt";
    const int status = std::system(cmd.c_str());
    CliResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_text(dir_ / "stdout.txt");
    r.err = read_text(dir_ / "stderr.txt");
    return r;
  }

#ifdef STRATA_MPIEXEC
  // Runs `mpirun -np <ranks> strata args...` in the test's folder, one thread per rank (loopback).
  CliResult run_mpi(int ranks, const std::vector<std::string>& args) const {
    std::string cmd = "cd " + shell_quote(dir_.string()) +
                      " && STRATA_NUM_THREADS=1 " STRATA_MPIEXEC " -np " + std::to_string(ranks) + " " +
                      shell_quote(STRATA_CLI_PATH);
    for (const auto& a : args) cmd += " " + shell_quote(a);
    cmd += " >stdout.txt 2>stderr.txt";
    const int status = std::system(cmd.c_str());
    CliResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_text(dir_ / "stdout.txt");
    r.err = read_text(dir_ / "stderr.txt");
    return r;
  }
#endif

  // Exit code 2 and exactly one line "strata: error: ..." holding every fragment.
  static void expect_error(const CliResult& r, const std::vector<std::string>& fragments) {
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(r.out, "");
    const std::vector<std::string> lines = lines_of(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.err;
    EXPECT_EQ(lines[0].rfind("strata: error: ", 0), 0u) << lines[0];
    for (const auto& f : fragments)
      EXPECT_NE(lines[0].find(f), std::string::npos) << "'" << f << "' not in: " << lines[0];
  }

  fs::path dir_;
};

}  // namespace strata::cli_test
