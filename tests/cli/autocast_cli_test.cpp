// `training.autocast` in a config (and through --set): bf16 trains and is written back to config.yaml; an
// unknown value is an error naming the field.
#include "cli/cli_util.h"

namespace strata::cli_test {
namespace {

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

class AutocastCli : public CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    write("bf16.yaml", kConfig);
  }
};

TEST_F(AutocastCli, TrainsInBf16AndWritesTheSettingBack) {
  const CliResult r = run({"train", "-c", "bf16.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("test_accuracy"), std::string::npos) << r.out;
  EXPECT_NE(read_text(dir_ / "run" / "config.yaml").find("autocast: bf16"), std::string::npos);
}

TEST_F(AutocastCli, UnknownValueIsAnError) {
  const CliResult r = run({"summary", "-c", "bf16.yaml", "--set", "training.autocast=fp16"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("field 'training.autocast' must be 'off' or 'bf16', got 'fp16'"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace strata::cli_test
