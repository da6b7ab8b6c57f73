// `training.autocast` in a config (and through --set): bf16 trains and is written back to config.yaml; an
// unknown value is an error naming the field.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr const char* kConfig = R"(name: tiny_bf16
data:
  batch_size: 64
  limit: 2000
  test_limit: 500
model:
  layers:
    - conv2d: {in: 1, out: 8, kernel: 5, padding: 2}
    - relu
    - maxpool2d: 2
    - flatten
    - linear: {in: 1568, out: 10}
optimizer:
  name: adam
  lr: 0.003
training:
  epochs: 1
  seed: 1
  threads: 1
  autocast: bf16
)";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Result {
  int code = -1;
  std::string out, err;
};

class AutocastCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("strata_autocast_cli_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "bf16.yaml") << kConfig;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `strata args...` in the test's folder (arguments hold no quotes).
  Result run(const std::vector<std::string>& args) const {
    std::string cmd = "cd '" + dir_.string() + "' && '" + STRATA_CLI_PATH + "'";
    for (const auto& a : args) cmd += " '" + a + "'";
    cmd += " >stdout.txt 2>stderr.txt";
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(dir_ / "stdout.txt"),
            read_text(dir_ / "stderr.txt")};
  }

  fs::path dir_;
};

TEST_F(AutocastCli, TrainsInBf16AndWritesTheSettingBack) {
  const Result r = run({"train", "-c", "bf16.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("test_accuracy"), std::string::npos) << r.out;
  EXPECT_NE(read_text(dir_ / "run" / "config.yaml").find("autocast: bf16"), std::string::npos);
}

TEST_F(AutocastCli, UnknownValueIsAnError) {
  const Result r = run({"summary", "-c", "bf16.yaml", "--set", "training.autocast=fp16"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("field 'training.autocast' must be 'off' or 'bf16', got 'fp16'"), std::string::npos)
      << r.err;
}

}  // namespace
