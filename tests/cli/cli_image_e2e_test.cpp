// `strata train`, `eval`, `predict` and `summary` on colour images, as a user runs them: a folder of
// generated PNG/JPEG images of assorted sizes and channel counts, and a small CNN on the emoji set
// (configs/emoji_cnn.yaml, needs `scripts/fetch-data emoji`) with a quality bar far above chance and eval
// reproducing it from the run.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_util.h"
#include "strata/data/image/emoji.h"
#include "strata/data/image/io.h"

namespace strata::cli_test {
namespace {

constexpr const char* kFolderConfig = R"(name: colours
data:
  dataset: image-folder
  batch_size: 8
  image:
    path: colours
    size: [12, 12]
    test_fraction: 0.25
model:
  layers:
    - conv2d: {in: 3, out: 4, kernel: 3, padding: 1}
    - relu
    - maxpool2d: 2
    - flatten
    - linear: {in: 144, out: 3}
optimizer: {name: adam, lr: 0.01}
training:
  epochs: 10
  seed: 1
  threads: 1
)";

// The one JSON line a command prints on stdout.
nlohmann::json json_of(const CliResult& r) {
  const std::vector<std::string> lines = lines_of(r.out);
  EXPECT_EQ(lines.size(), 1u) << r.out;
  return nlohmann::json::parse(lines.empty() ? "{}" : lines.back());
}

// The class names predict printed, best first.
std::vector<std::string> predicted(const CliResult& r) {
  std::vector<std::string> names;
  for (const std::string& row : lines_of(r.out)) {
    std::istringstream in(row);
    std::string rank, name;
    in >> rank >> name;
    names.push_back(name);
  }
  return names;
}

class CliImageTest : public CliFixture {};

TEST_F(CliImageTest, FolderOfMixedImagesTrainsEvaluatesAndPredicts) {
  write_colour_folder(dir_ / "colours", 20, 4);  // every 4th image grey
  write("c.yaml", kFolderConfig);
  const CliResult train = run({"train", "-c", "c.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(train.code, 0) << train.err;
  EXPECT_NE(train.err.find("colours (60 images of 3 classes, 3x12x12)"), std::string::npos) << train.err;
  const double accuracy = json_of(train)["test_accuracy"];
  EXPECT_GE(accuracy, 0.7);  // the colours are plain; chance is 1/3
  ASSERT_TRUE(fs::is_regular_file(dir_ / "run/normalization.json"));

  const CliResult eval = run({"eval", "-c", "run/config.yaml", "--checkpoint", "run/best.safetensors"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  EXPECT_NEAR(json_of(eval)["test_accuracy"].get<double>(), accuracy, 1e-6);
  EXPECT_EQ(json_of(eval)["samples"], 15);  // a quarter of each class

  const CliResult summary = run({"summary", "-c", "c.yaml"});
  ASSERT_EQ(summary.code, 0) << summary.err;
  EXPECT_NE(summary.out.find("[1, 3]"), std::string::npos) << summary.out;

  // Any PNG or JPEG: RGB, RGBA and grey, of sizes unlike the training images'.
  Tensor red = zeros(Shape{3, 31, 17}, {.dtype = kUInt8});
  red.select(0, 0).fill_(230.0);
  data::image::write_image((dir_ / "red.jpg").string(), red);
  Tensor blue = zeros(Shape{4, 7, 40}, {.dtype = kUInt8});
  blue.select(0, 2).fill_(220.0);
  blue.select(0, 3).fill_(255.0);
  data::image::write_image((dir_ / "blue.png").string(), blue);
  data::image::write_image((dir_ / "grey.png").string(), full(Shape{1, 50, 9}, 128.0, {.dtype = kUInt8}));
  for (const auto& [file, expected] : std::vector<std::pair<std::string, std::string>>{
           {"red.jpg", "red"}, {"blue.png", "blue"}, {"grey.png", ""}}) {
    const CliResult p = run(
        {"predict", "-c", "c.yaml", "--checkpoint", "run/best.safetensors", "--image", file, "--top-k", "3"});
    ASSERT_EQ(p.code, 0) << file << ": " << p.err;
    const std::vector<std::string> names = predicted(p);
    ASSERT_EQ(names.size(), 3u) << p.out;
    if (!expected.empty()) {
      EXPECT_EQ(names[0], expected) << p.out;
    }
  }
  // Missing and corrupt files name the file.
  expect_error(
      run({"predict", "-c", "c.yaml", "--checkpoint", "run/best.safetensors", "--image", "nope.png"}),
      {"nope.png"});
  write("broken.png", "\x89PNG\r\n not really");
  expect_error(
      run({"predict", "-c", "c.yaml", "--checkpoint", "run/best.safetensors", "--image", "broken.png"}),
      {"cannot read image broken.png"});
  // A config error names the file, line and field.
  write("bad.yaml", std::string(kFolderConfig)
                        .replace(std::string(kFolderConfig).find("size: [12, 12]"), 14, "size: [12, -1]"));
  expect_error(run({"train", "-c", "bad.yaml"}), {"bad.yaml:7:", "data.image.size"});
}

TEST_F(CliImageTest, EmojiCnnLearnsTheCategoriesAndEvalReproducesIt) {
  // The shipped config on 32x32 emoji, for fewer epochs than its full run (docs/models.md: 69.4% after 20 epochs).
  const std::string config = (configs_dir() / "emoji_cnn.yaml").string();
  const CliResult train = run({"train", "-c", config, "--out", "run", "--no-progress", "--epochs", "8",
                               "--set", "training.threads=2"});
  ASSERT_EQ(train.code, 0) << train.err;
  EXPECT_NE(train.err.find("emoji (1906 images of 9 classes, 3x32x32)"), std::string::npos) << train.err;
  const nlohmann::json metrics = json_of(train);
  const double accuracy = metrics["test_accuracy"];
  EXPECT_GT(accuracy, 0.5);  // 9 classes: chance 0.11, the largest class 0.20
  const CliResult eval = run({"eval", "-c", "run/config.yaml", "--checkpoint", "run/best.safetensors"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  EXPECT_NEAR(json_of(eval)["test_accuracy"].get<double>(), accuracy, 1e-6);
  EXPECT_EQ(json_of(eval)["samples"],
            382);  // 20% of each category, rounded: 17 + 32 + 54 + 26 + 53 + 77 + 34 + 45 + 44
  // A real emoji file (RGBA 64x64) through predict, with the statistics saved in the run folder.
  fs::path flag;
  for (const auto& entry : fs::directory_iterator(fs::path(data::image::emoji_root()) / "flags")) {
    if (flag.empty() || entry.path() < flag) flag = entry.path();
  }
  const CliResult p = run({"predict", "-c", "run/config.yaml", "--checkpoint", "run/best.safetensors",
                           "--image", flag.string(), "--top-k", "2"});
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(p.err, "");  // normalization.json was found beside the checkpoint
  EXPECT_EQ(predicted(p)[0], "flags") << flag << ":\n" << p.out;
}

}  // namespace
}  // namespace strata::cli_test
