// `strata pretrain` as a user runs it: a short SimCLR run on a Fashion-MNIST subset lowers the NT-Xent loss,
// its encoder's linear probe beats an untrained encoder's, and the fine-tune config starts from the encoder;
// a short CLIP run on the emoji set beats chance at zero-shot classification of held-out emoji; bad
// configs fail with one line naming the file, line and field.
#include <nlohmann/json.hpp>

#include "cli_util.h"

namespace strata::cli_test {
namespace {

class CliPretrain : public CliFixture {
 protected:
  std::string config(const char* name) const { return (configs_dir() / name).string(); }
};

TEST_F(CliPretrain, SimCLRLowersTheLossAndItsProbeBeatsARandomEncoder) {
  const CliResult r = run({"pretrain", "-c", config("fashion_simclr.yaml"), "--threads", "1", "--epochs", "3",
                           "--set", "data.limit=1536", "--set", "data.test_limit=1000", "--set",
                           "data.batch_size=128", "--set", "pretrain.probe.fractions=[0.2]", "--set",
                           "pretrain.probe.seeds=[0]", "--set", "pretrain.probe.baseline_epochs=0"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto line = nlohmann::json::parse(r.out);
  EXPECT_EQ(line["method"], "simclr");
  EXPECT_LT(line["final_loss"].get<double>(), line["first_loss"].get<double>());
  const double probe = line["probe"]["0.2"]["mean"].get<double>();
  EXPECT_GT(probe, line["random_encoder_probe"].get<double>());
  EXPECT_GT(probe, 0.6);  // chance is 0.1
  for (const char* file :
       {"config.yaml", "encoder.safetensors", "pretrain_log.csv", "curves.png", "results.json"})
    EXPECT_TRUE(fs::exists(dir_ / "runs/fashion_simclr" / file)) << file;
  EXPECT_EQ(lines_of(read_text(dir_ / "runs/fashion_simclr/pretrain_log.csv")).size(), 4u);
  // The fine-tune config starts from runs/fashion_simclr/encoder.safetensors: every tensor but the new
  // head's.
  const CliResult t = run({"train", "-c", config("fashion_simclr_finetune.yaml"), "--out", "ft", "--threads",
                           "1", "--epochs", "1", "--no-progress", "--set", "data.test_limit=500"});
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(
      t.err.find("init: loaded 28 of the model's 30 tensors from runs/fashion_simclr/encoder.safetensors"),
      std::string::npos)
      << t.err;
  EXPECT_NE(t.err.find("init: missing from the checkpoint, left as initialised: 17.bias, 17.weight"),
            std::string::npos)
      << t.err;
}

TEST_F(CliPretrain, ClipBeatsChanceAtZeroShotOnHeldOutEmoji) {
  const CliResult r =
      run({"pretrain", "-c", config("emoji_clip.yaml"), "--out", "run", "--threads", "1", "--epochs", "6"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto line = nlohmann::json::parse(r.out);
  EXPECT_EQ(line["method"], "clip");
  EXPECT_LT(line["final_loss"].get<double>(), line["first_loss"].get<double>());
  EXPECT_GT(line["held_out_emoji"].get<int64_t>(), 300);
  EXPECT_GT(line["zero_shot_top1"].get<double>(), line["chance_top1"].get<double>() + 0.05);
  EXPECT_GT(line["recall_at_5"].get<double>(), 2 * line["recall_at_5_chance"].get<double>());
  EXPECT_TRUE(fs::exists(dir_ / "run" / "encoder.safetensors"));
}

TEST_F(CliPretrain, BadConfigsNameTheFileLineAndField) {
  write("no_section.yaml", "data: {dataset: fashion-mnist}\nmodel: {layers: [flatten]}\n");
  expect_error(run({"pretrain", "-c", "no_section.yaml"}), {"no_section.yaml", "no 'pretrain' section"});
  write("bad_method.yaml",
        "data: {dataset: fashion-mnist}\nmodel: {layers: [flatten]}\npretrain:\n  method: byol\n");
  expect_error(run({"pretrain", "-c", "bad_method.yaml"}), {"bad_method.yaml:4", "pretrain.method", "byol"});
  write("bad_temp.yaml",
        "data: {dataset: fashion-mnist}\nmodel: {layers: [flatten]}\npretrain:\n  temperature: 0\n");
  expect_error(run({"pretrain", "-c", "bad_temp.yaml"}), {"bad_temp.yaml:4", "pretrain.temperature"});
  write("bad_view.yaml",
        "data: {dataset: fashion-mnist}\nmodel: {layers: [flatten]}\npretrain:\n  views:\n    - "
        "random_sizzle\n");
  expect_error(run({"pretrain", "-c", "bad_view.yaml"}), {"bad_view.yaml:5", "random_sizzle"});
  write("clip_mnist.yaml",
        "data: {dataset: fashion-mnist}\nmodel: {layers: [flatten]}\npretrain: {method: clip}\n");
  expect_error(run({"pretrain", "-c", "clip_mnist.yaml"}), {"clip_mnist.yaml", "emoji"});
  write("probe.yaml",
        "data: {dataset: fashion-mnist}\nmodel: {layers: [flatten]}\npretrain: {method: simclr}\n");
  expect_error(run({"pretrain", "-c", "probe.yaml", "--set", "pretrain.probe.fractions=[2]"}),
               {"--set pretrain.probe.fractions=[2]", "(0, 1]"});
}

}  // namespace
}  // namespace strata::cli_test
