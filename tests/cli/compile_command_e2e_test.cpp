// `strata compile` and `training.compile: true`: the explain text shows the passes, fusions and memory
// plan; a compiled run trains to the same quality as an eager one; a model the compiler cannot trace
// trains eagerly and `strata compile` names why.
#include "cli/cli_util.h"

namespace strata::cli_test {
namespace {

constexpr const char* kConfig = R"(name: tiny_compiled
data:
  batch_size: 64
  limit: 2000
  test_limit: 500
model:
  layers:
    - conv2d: {in: 1, out: 6, kernel: 5, padding: 2}
    - relu
    - maxpool2d: 2
    - flatten
    - linear: {in: 1176, out: 32}
    - relu
    - linear: {in: 32, out: 10}
optimizer:
  name: adam
  lr: 0.003
training:
  epochs: 1
  seed: 1
  threads: 1
  compile: true
)";

class CompileCli : public CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    write("compiled.yaml", kConfig);
  }
};

TEST_F(CompileCli, ExplainPrintsGraphsFusionsAndTheMemoryPlan) {
  const CliResult r = run({"compile", "--explain", "-c", "compiled.yaml"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* part : {"graph before passes", "graph after passes", "Conv2d[relu]", "Linear[relu]",
                           "ReluBackward", "peak bytes", "\"compiled\":true"})
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
}

TEST_F(CompileCli, CompiledTrainingLearnsAndWritesTheSettingBack) {
  const CliResult r = run({"train", "-c", "compiled.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(r.code, 0) << r.err;
  const size_t at = r.out.find("\"test_accuracy\": ");
  ASSERT_NE(at, std::string::npos) << r.out;
  EXPECT_GT(std::stod(r.out.substr(at + 17)), 0.6) << r.out;
  EXPECT_NE(read_text(dir_ / "run" / "config.yaml").find("compile: true"), std::string::npos);
}

TEST_F(CompileCli, UntraceableModelsAreNamedAndTrainEagerly) {
  std::string config = kConfig;
  const std::string relu = "    - relu\n    - linear: {in: 32";
  config.replace(config.find(relu), relu.size(), "    - dropout: 0.2\n    - linear: {in: 32");
  write("dropout.yaml", config);
  const CliResult r = run({"compile", "-c", "dropout.yaml"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"compiled\":false"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Dropout"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace strata::cli_test
