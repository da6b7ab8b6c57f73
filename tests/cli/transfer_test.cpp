// Transfer learning through the `strata` binary: init from another run's weights (skip, rename, strict,
// --init), freeze and unfreeze_at_epoch, per-pattern learning rates, and every field's error with its
// file and line.
#include <gtest/gtest.h>

#include "cli/cli_util.h"
#include "strata/io/model_state.h"
#include "strata/io/safetensors.h"
#include "strata/nn.h"
#include "strata/strata.h"

namespace strata::cli_test {
namespace {

// Fine-tunes a tiny conv net on 20 images of each of 5 classes; line numbers matter below.
constexpr const char* kConfig = R"(name: tiny_transfer
data:
  batch_size: 20
  limit: 600
  test_limit: 200
  classes: [5, 6, 7, 8, 9]
  per_class: 20
model:
  layers:
    - conv2d: {in: 1, out: 4, kernel: 5, padding: 2}
    - relu
    - maxpool2d: 2
    - flatten
    - linear: {in: 784, out: 5}
optimizer:
  name: adam
  lr: 0.003
  param_groups:
    - {params: "4.*", lr: 0.01}
init:
  checkpoint: pre.safetensors
  skip: ["4.*"]
freeze:
  patterns: ["0.*"]
  unfreeze_at_epoch: 2
training:
  epochs: 2
  seed: 1
  threads: 1
)";

class TransferCli : public CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    write("transfer.yaml", kConfig);
    // "Pre-trained" weights of the same body with a 10-class head, saved as a training checkpoint would be.
    manual_seed(7);
    nn::Sequential pre(nn::Conv2d(1, 4, 5, {.padding = 2}), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                       nn::Linear(784, 10));
    pretrained_ = pre->state_dict();
    std::map<std::string, Tensor> tensors;
    for (const auto& [k, v] : pretrained_) tensors["model." + k] = v;
    tensors["trainer.epoch"] = full({}, 3, {.dtype = kInt64});
    io::save_safetensors((dir_ / "pre.safetensors").string(), tensors);
  }

  // The config with line `line` (1-based) replaced by `text` (removed when empty).
  void write_variant(const std::string& name, int line, const std::string& text) const {
    std::vector<std::string> lines = lines_of(kConfig);
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (static_cast<int>(i) + 1 != line) {
        out += lines[i] + "\n";
      } else if (!text.empty()) {
        out += text + "\n";
      }
    }
    write(name, out);
  }

  CliResult train(const std::string& config, std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"train", "-c", config, "--out", "run", "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }

  static void expect_in(const std::string& text, const std::string& fragment) {
    EXPECT_NE(text.find(fragment), std::string::npos) << "'" << fragment << "' not in:\n" << text;
  }

  nn::StateDict pretrained_;
};

TEST_F(TransferCli, InitSkipsTheHeadFreezesThenUnfreezes) {
  const CliResult r = train("transfer.yaml");
  ASSERT_EQ(r.code, 0) << r.err;
  expect_in(r.err, "(90 train, 10 validation)");  // 20 images of each of the 5 kept classes, 10% held out
  expect_in(r.err, "strata train: init: loaded 2 of the model's 4 tensors from pre.safetensors\n");
  expect_in(r.err, "strata train: init: skipped (init.skip): 4.bias, 4.weight\n");
  expect_in(r.err,
            "strata train: init: missing from the checkpoint, left as initialised: 4.bias, 4.weight\n");
  expect_in(r.err,
            "strata train: freeze: 2 tensors frozen (0.weight, 0.bias); 3925 of 4029 parameters train\n");
  expect_in(r.err, "strata train: freeze: all of them train from epoch 2 on\n");
  const nn::StateDict trained = io::load_model_state((dir_ / "run/last.safetensors").string());
  EXPECT_FALSE(equal(trained.at("0.weight"), pretrained_.at("0.weight")));  // trained in epoch 2
  const std::string config = read_text(dir_ / "run/config.yaml");
  expect_in(config, "classes: [5, 6, 7, 8, 9]");
  expect_in(config, "unfreeze_at_epoch: 2");
  expect_in(config, "skip: [4.*]");
}

TEST_F(TransferCli, FrozenLayersKeepThePretrainedWeights) {
  // unfreeze_at_epoch after the last epoch: the features never move, the head does.
  const CliResult r = train("transfer.yaml", {"--set", "freeze.unfreeze_at_epoch=5"});
  ASSERT_EQ(r.code, 0) << r.err;
  expect_in(r.err, "freeze: unfreeze_at_epoch 5 is after the last epoch (2): they stay frozen");
  const nn::StateDict trained = io::load_model_state((dir_ / "run/last.safetensors").string());
  EXPECT_TRUE(equal(trained.at("0.weight"), pretrained_.at("0.weight")));
  EXPECT_TRUE(equal(trained.at("0.bias"), pretrained_.at("0.bias")));
  EXPECT_EQ(trained.at("4.weight").shape(), (Shape{5, 784}));
}

TEST_F(TransferCli, InitFlagAndABareFreezeList) {
  std::vector<std::string> lines = lines_of(kConfig);
  std::string text;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i + 1 >= 20 && i + 1 <= 25) continue;  // init: and freeze: sections
    text += lines[i] + "\n";
  }
  text += "freeze: [\"0.*\"]\n";
  write("flag.yaml", text);
  const CliResult r = train("flag.yaml", {"--init", "pre.safetensors"});
  ASSERT_EQ(r.code, 0) << r.err;
  // Without a skip the 10-class head does not fit the 5-class one: reported, left as initialised.
  expect_in(
      r.err,
      "init: mis-shaped, left as initialised: 4.bias (checkpoint [10], model [5]), 4.weight (checkpoint "
      "[10, 784], model [5, 784])");
  expect_in(r.err, "freeze: 2 tensors frozen (0.weight, 0.bias)");
  const nn::StateDict trained = io::load_model_state((dir_ / "run/last.safetensors").string());
  EXPECT_TRUE(equal(trained.at("0.weight"), pretrained_.at("0.weight")));
  expect_error(train("flag.yaml", {"--init", "nowhere.safetensors"}),
               {"--init nowhere.safetensors: init.checkpoint: nowhere.safetensors does not exist"});
}

TEST_F(TransferCli, StrictInitAndRenames) {
  write_variant("strict.yaml", 22, "  skip: [\"4.*\"]\n  strict: true");
  expect_error(
      train("strict.yaml"),
      {"strict.yaml:21: init from pre.safetensors: load_state_dict: the state does not match Sequential; "
       "missing: 4.bias, 4.weight"});
  // A checkpoint saved under another prefix loads after a rename.
  std::map<std::string, Tensor> prefixed;
  for (const auto& [k, v] : pretrained_) prefixed["backbone." + k] = v;
  io::save_safetensors((dir_ / "prefixed.safetensors").string(), prefixed);
  write_variant("rename.yaml", 21, "  checkpoint: prefixed.safetensors\n  rename: {\"backbone.\": \"\"}");
  CliResult r = run({"train", "-c", "rename.yaml", "--out", "run", "--no-progress", "--epochs", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  expect_in(r.err, "init: skipped (init.skip): 4.bias, 4.weight");  // skip names the renamed entries
  expect_in(r.err, "init: loaded 2 of the model's 4 tensors from prefixed.safetensors");
  // Without the rename nothing fits: an error, not a silently untouched model.
  write_variant("norename.yaml", 21, "  checkpoint: prefixed.safetensors");
  expect_error(train("norename.yaml"),
               {"norename.yaml:21: init from prefixed.safetensors: remap_state_dict: skip "
                "pattern '4.*' matches no entry"});
  write_variant("nofit.yaml", 22, "");
  std::string text = read_text(dir_ / "nofit.yaml");
  text.replace(text.find("pre.safetensors"), 15, "prefixed.safetensors");
  write("nofit.yaml", text);
  expect_error(train("nofit.yaml"),
               {"nofit.yaml:21: init from prefixed.safetensors: no entry fits the model"});
}

TEST_F(TransferCli, RuntimeErrorsNameTheLine) {
  write_variant("bad.yaml", 24, "  patterns: [\"9.*\"]");
  expect_error(train("bad.yaml"), {"bad.yaml:24: freeze: pattern '9.*' matches no parameter of Sequential"});
  write_variant("bad.yaml", 19, "    - {params: \"fc.*\", lr: 0.01}");
  expect_error(train("bad.yaml"),
               {"bad.yaml:19: optimizer.param_groups: pattern 'fc.*' matches no parameter of the "
                "model (its parameters: 0.weight, 0.bias, 4.weight, 4.bias)"});
  write_variant("bad.yaml", 19, "    - {params: \"*\", lr: 0.01}\n    - {params: \"4.*\", lr: 0.1}");
  expect_error(train("bad.yaml"), {"bad.yaml:20: optimizer.param_groups: every parameter that pattern '4.*' "
                                   "matches is taken by an earlier entry"});
  write_variant("bad.yaml", 22, "  skip: [\"head.*\"]");
  expect_error(train("bad.yaml"), {"bad.yaml:21:", "skip pattern 'head.*' matches no entry"});
  write_variant("bad.yaml", 6, "  classes: [5, 6, 12]");
  expect_error(train("bad.yaml"),
               {"bad.yaml:6: data.classes: label 12 is not a class of fashion-mnist (labels 0..9)"});
}

TEST_F(TransferCli, ConfigErrorsNameFileLineAndField) {
  const std::vector<std::pair<std::pair<int, std::string>, std::vector<std::string>>> cases{
      {{21, "  chekpoint: pre.safetensors"},
       {"bad.yaml:21:", "unknown field 'init.chekpoint'", "did you mean 'checkpoint'"}},
      {{21, ""}, {"bad.yaml:21:", "field 'init.checkpoint' is missing"}},
      {{22, "  skip: \"4.*\""}, {"bad.yaml:22:", "field 'init.skip' must be a list of strings"}},
      {{22, "  rename: [a, b]"},
       {"bad.yaml:22:", "field 'init.rename' must be a map of prefixes {from: to}"}},
      {{22, "  strict: maybe"}, {"bad.yaml:22:", "field 'init.strict' must be a boolean"}},
      {{25, "  unfreeze_at_epoch: 0"}, {"bad.yaml:25:", "field 'freeze.unfreeze_at_epoch' must be >= 1"}},
      {{25, "  unfreeze_at: 2"}, {"bad.yaml:25:", "unknown field 'freeze.unfreeze_at'"}},
      {{24, "  patterns: {a: b}"},
       {"bad.yaml:24:", "field 'freeze.patterns' must be a list of globs, got a map"}},
      {{24, "  patterns: []"}, {"bad.yaml:24:", "field 'freeze.patterns' lists no pattern"}},
      {{24, ""}, {"bad.yaml:24:", "field 'freeze.patterns' is missing"}},
      {{19, "    - {params: \"4.*\"}"}, {"bad.yaml:19:", "field 'optimizer.param_groups[0].lr' is missing"}},
      {{19, "    - {lr: 0.1}"}, {"bad.yaml:19:", "field 'optimizer.param_groups[0].params' is missing"}},
      {{19, "    - {params: \"4.*\", lr: -1}"},
       {"bad.yaml:19:", "'optimizer.param_groups[0].lr' must be positive"}},
      {{19, "    - {params: \"4.*\", lr: 0.1, momentum: 0.9}"},
       {"bad.yaml:19:", "unknown field 'optimizer.param_groups[0].momentum'"}},
      {{19, "    - {params: \"4.*\", lr: 0.1}\n    - {params: \"4.*\", lr: 0.2}"},
       {"bad.yaml:20:", "'optimizer.param_groups[1]' repeats the pattern '4.*'"}},
      {{6, "  classes: [5, 5]"}, {"bad.yaml:6:", "field 'data.classes' lists label 5 twice"}},
      {{6, "  classes: [-1]"}, {"bad.yaml:6:", "field 'data.classes' must hold labels >= 0"}},
      {{6, "  classes: []"}, {"bad.yaml:6:", "field 'data.classes' must list at least one label"}},
      {{6, "  classes: five"}, {"bad.yaml:6:", "field 'data.classes' must be a list of integers"}},
      {{7, "  per_class: -3"}, {"bad.yaml:7:", "field 'data.per_class' must be >= 0"}},
      {{26, "scheduler: onecycle\ntraining:"},
       {"bad.yaml:19:", "'optimizer.param_groups' does not combine with scheduler 'onecycle'"}},
  };
  for (const auto& [change, fragments] : cases) {
    SCOPED_TRACE(change.second);
    write_variant("bad.yaml", change.first, change.second);
    expect_error(run({"summary", "-c", "bad.yaml"}), fragments);
  }
  expect_error(run({"summary", "-c", "transfer.yaml", "--set", "init=pre.safetensors"}),
               {"--set init=pre.safetensors:", "'init' must be a map, got 'pre.safetensors'"});
  expect_error(
      run({"summary", "-c", "transfer.yaml", "--set", "optimizer.param_groups={params: a}"}),
      {"--set optimizer.param_groups={params: a}:", "field 'optimizer.param_groups' must be a list"});
  expect_error(run({"summary", "-c", "transfer.yaml", "--set", "freeze.unfreeze_at_epoch=-1"}),
               {"--set freeze.unfreeze_at_epoch=-1:", "must be >= 1"});
  expect_error(run({"summary", "-c", "transfer.yaml", "--set", "data.per_class=x"}),
               {"--set data.per_class=x:", "'data.per_class' must be an integer"});
}

}  // namespace
}  // namespace strata::cli_test
