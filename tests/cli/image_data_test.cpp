// The image-folder and emoji sources of the `strata` command (tools/strata/image_data.cpp) on small folders
// of generated PNG/JPEG images: splits, sizes and channels, the per-channel normalisation and its saved form,
// augmentation, predict's input, and data.image mistakes reported with file, line and field.
#include "image_data.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli/cli_util.h"
#include "config.h"
#include "data/data_test_util.h"
#include "strata/data/image/io.h"
#include "training_data.h"

namespace strata::cli_test {
namespace {

using cli::Config;
using cli::load_config;
using cli::load_training_data;
using cli::TrainingData;

// Line numbers matter below: the data.image fields are on lines 5 to 8.
constexpr const char* kConfig = R"(name: colours
data:
  dataset: image-folder
  image:
    path: colours
    size: [16, 12]
    channels: 3
    test_fraction: 0.25
model:
  layers: [flatten, {linear: {in: 576, out: 3}}]
training:
  threads: 1
)";

class ImageDataTest : public CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    write_colour_folder(dir_ / "colours", 8);
    write("c.yaml", kConfig);
  }

  // The config with line `line` (1-based) replaced by `text` (removed when empty), written and loaded.
  Config variant(int line, const std::string& text, const std::vector<cli::Override>& overrides = {}) const {
    std::string out;
    const std::vector<std::string> lines = lines_of(kConfig);
    for (size_t i = 0; i < lines.size(); ++i) {
      if (static_cast<int>(i) + 1 != line) {
        out += lines[i] + "\n";
      } else if (!text.empty()) {
        out += text + "\n";
      }
    }
    write("v.yaml", out);
    return load_config(path("v.yaml"), with_all_training(overrides));
  }
  Config config(const std::vector<cli::Override>& overrides = {}) const {
    return load_config(path("c.yaml"), with_all_training(overrides));
  }
  // These tests count training images: no validation share unless a test sets data.val_fraction.
  static std::vector<cli::Override> with_all_training(const std::vector<cli::Override>& overrides) {
    std::vector<cli::Override> out{{"data.val_fraction", "0", "--set data.val_fraction=0"}};
    out.insert(out.end(), overrides.begin(), overrides.end());
    return out;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Paths in the config are relative to the test's folder.
  void SetUpCwd() { fs::current_path(dir_); }
};

// Every batch of a dataset through the source's collate, concatenated: [N, C, H, W] inputs, [N] labels.
data::Batch all_batches(const TrainingData& d, const data::Dataset& set) {
  std::vector<data::Example> examples;
  for (int64_t i = 0; i < set.size(); ++i) examples.push_back(set.get(i));
  return d.collate(examples);
}

cli::Override set(const std::string& key, const std::string& value) {
  return {key, value, "--set " + key + "=" + value};
}

TEST_F(ImageDataTest, SplitsAFolderStratifiedWithTheConfiguredSizeAndChannels) {
  SetUpCwd();
  const TrainingData d = load_training_data(config());
  EXPECT_EQ(d.input_shape, (Shape{1, 3, 16, 12}));
  EXPECT_EQ(d.classes, (std::vector<std::string>{"blue", "green", "red"}));
  ASSERT_EQ(d.train->size(), 18);
  ASSERT_EQ(d.test->size(), 6);
  const data::Batch test = all_batches(d, *d.test);
  EXPECT_EQ(test.input.shape(), (Shape{6, 3, 16, 12}));
  EXPECT_EQ(test.input.dtype(), kFloat32);
  // Stratified: two test images of each class.
  std::vector<int64_t> counts(3);
  for (int64_t label : test.target.to_vector<int64_t>()) ++counts[static_cast<size_t>(label)];
  EXPECT_EQ(counts, (std::vector<int64_t>{2, 2, 2}));
  // Kept as u8 once in memory; the collate turns a batch into f32, normalised with statistics fitted on
  // the training images, so the training batch has mean 0 and standard deviation 1 per channel.
  const data::Batch train = all_batches(d, *d.train);
  EXPECT_EQ(d.train->get(0).input.dtype(), kUInt8);
  for (int64_t c = 0; c < 3; ++c) {
    const std::vector<double> v = train.input.select(1, c).contiguous().to_vector<double>();
    double mean = 0, sq = 0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(v.size());
    for (double x : v) sq += (x - mean) * (x - mean);
    EXPECT_NEAR(mean, 0.0, 1e-4) << c;
    EXPECT_NEAR(std::sqrt(sq / static_cast<double>(v.size())), 1.0, 1e-4) << c;
  }
  // The same config splits the same way; another split seed another way.
  const TrainingData again = load_training_data(config(), false);
  EXPECT_TRUE(equal(all_batches(again, *again.test).target, test.target));
  EXPECT_EQ(again.train, nullptr);
  const TrainingData other = load_training_data(config({set("data.image.seed", "5")}));
  EXPECT_FALSE(equal(all_batches(other, *other.train).target, train.target));
}

TEST_F(ImageDataTest, GreyChannelsStoredSizeAndTheLimits) {
  SetUpCwd();
  // Mixed sizes without data.image.size: an error naming the file and the field to set.
  EXPECT_ERROR_CONTAINS(load_training_data(variant(6, "")), "v.yaml:5:", "data.image", "colours/",
                        "set data.image.size");
  // One size for all, read as stored: the images' own size.
  for (const char* cls : {"a", "b"}) {
    fs::create_directories(dir_ / "same" / cls);
    for (int i = 0; i < 4; ++i)
      data::image::write_image(path(fmt::format("same/{}/{}.png", cls, i)),
                               full(Shape{4, 7, 5}, 40.0 * i, {.dtype = kUInt8}));
  }
  const TrainingData same =
      load_training_data(variant(5, "    path: same", {set("data.image.size", "null")}));
  EXPECT_EQ(same.input_shape, (Shape{1, 3, 7, 5}));
  // channels: 1 converts colour to grey; limit and test_limit cut the (shuffled) splits.
  const TrainingData grey = load_training_data(
      variant(7, "    channels: 1", {set("data.limit", "5"), set("data.test_limit", "4")}));
  EXPECT_EQ(grey.input_shape, (Shape{1, 1, 16, 12}));
  EXPECT_EQ(grey.train->size(), 5);
  EXPECT_EQ(grey.test->size(), 4);
  EXPECT_EQ(all_batches(grey, *grey.train).input.shape(), (Shape{5, 1, 16, 12}));
  // The limit takes a random share, not the first class only.
  const std::vector<int64_t> labels = all_batches(grey, *grey.train).target.to_vector<int64_t>();
  EXPECT_NE(std::count(labels.begin(), labels.end(), labels[0]), 5);
}

TEST_F(ImageDataTest, TrainAndTestFoldersAreTheSplits) {
  SetUpCwd();
  write_colour_folder(dir_ / "split/train", 6);
  write_colour_folder(dir_ / "split/test", 2);
  const TrainingData d = load_training_data(variant(8, "", {set("data.image.path", "split")}));
  EXPECT_EQ(d.train->size(), 18);
  EXPECT_EQ(d.test->size(), 6);
  // test_fraction has nothing to cut there.
  EXPECT_ERROR_CONTAINS(variant(5, "    path: split"), "v.yaml:8:", "data.image.test_fraction",
                        "train/ and test/");
  // Both need the same classes.
  fs::rename(dir_ / "split/test/red", dir_ / "split/test/yellow");
  EXPECT_ERROR_CONTAINS(load_training_data(variant(8, "", {set("data.image.path", "split")})),
                        "v.yaml:5:", "data.image", "same class folders");
}

TEST_F(ImageDataTest, NormalisationFromTheConfigOrSavedWithTheRun) {
  SetUpCwd();
  // Given statistics are used as they are.
  const TrainingData given =
      load_training_data(config({set("data.image.mean", "[0.5]"), set("data.image.std", "[0.25]")}), false);
  const data::Batch g = all_batches(given, *given.test);
  const Tensor raw = given.test->get(0).input.to(kFloat32) / 255.0;
  EXPECT_TRUE(allclose(g.input.select(0, 0), (raw - 0.5) / 0.25, 1e-5, 1e-5));
  // normalize: false only scales to [0, 1].
  const TrainingData scaled = load_training_data(config({set("data.normalize", "false")}), false);
  const data::Batch s = all_batches(scaled, *scaled.test);
  EXPECT_TRUE(allclose(s.input.select(0, 0), scaled.test->get(0).input.to(kFloat32) / 255.0, 1e-6, 1e-6));

  // Fitted statistics are saved in the run folder and read back for evaluation.
  const TrainingData trained = load_training_data(config());
  fs::create_directories(dir_ / "run");
  trained.save_preprocessing(path("run"));
  const cli::ChannelStats stats = cli::load_channel_stats(path("run/normalization.json"), 3);
  const cli::ChannelStats expected =
      cli::channel_stats(std::dynamic_pointer_cast<const data::TensorDataset>(trained.train)->inputs());
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_DOUBLE_EQ(stats.mean[c], expected.mean[c]);
    EXPECT_DOUBLE_EQ(stats.std[c], expected.std[c]);
  }
  // With a smaller training split (limit) evaluation fits other statistics, unless it reads the run's.
  TrainingData eval = load_training_data(config({set("data.limit", "3")}), false);
  const Tensor refit = all_batches(eval, *eval.test).input;
  ASSERT_TRUE(eval.load_preprocessing(path("run"), eval));
  const Tensor saved = all_batches(eval, *eval.test).input;
  EXPECT_FALSE(allclose(refit, saved, 1e-3, 1e-3));
  EXPECT_TRUE(allclose(saved, all_batches(trained, *trained.test).input, 1e-6, 1e-6));
  EXPECT_FALSE(eval.load_preprocessing(path("no-run"), eval));
  // A file of another config, or not a file of statistics at all.
  EXPECT_ERROR_CONTAINS(cli::load_channel_stats(path("run/normalization.json"), 1), "normalization.json",
                        "3 channels", "another config");
  write("run/bad.json", "{\"mean\": 1}");
  EXPECT_ERROR_CONTAINS(cli::load_channel_stats(path("run/bad.json"), 3), "bad.json", "mean, std");
}

TEST_F(ImageDataTest, ChannelStatsAreExact) {
  const Tensor images = from_vector<uint8_t>({0, 255, 51, 51, 10, 20, 30, 40}, Shape{2, 2, 1, 2});
  const cli::ChannelStats s = cli::channel_stats(images);
  // Channel 0: 0, 255, 10, 20; channel 1: 51, 51, 30, 40 (over 255).
  const std::vector<std::vector<double>> values{{0, 255, 10, 20}, {51, 51, 30, 40}};
  for (size_t c = 0; c < 2; ++c) {
    double mean = 0, sq = 0;
    for (double v : values[c]) mean += v / 255.0 / 4;
    for (double v : values[c]) sq += (v / 255.0 - mean) * (v / 255.0 - mean) / 4;
    EXPECT_NEAR(s.mean[c], mean, 1e-12);
    EXPECT_NEAR(s.std[c], std::sqrt(sq), 1e-12);
  }
  EXPECT_ERROR_CONTAINS(cli::channel_stats(images.to(kFloat32)), "channel_stats", "u8");
}

TEST_F(ImageDataTest, AugmentationWithColourTransforms) {
  SetUpCwd();
  const Config c =
      config({set("data.augment",
                  "[random_horizontal_flip, {color_jitter: {brightness: 0.3, saturation: 0.3, hue: "
                  "0.05}}, {random_crop: {size: [16, 12], padding: 2}}]"),
              set("data.val_fraction", "0.2")});
  const TrainingData d = load_training_data(c);
  EXPECT_GT(d.val->size(), 0);
  EXPECT_EQ(d.train->size() + d.val->size(), 18);
  const data::Batch a = all_batches(d, *d.train);
  d.train->set_epoch(0);  // the same epoch again
  const data::Batch b = all_batches(d, *d.train);
  EXPECT_EQ(a.input.shape(), (Shape{d.train->size(), 3, 16, 12}));
  EXPECT_EQ(a.input.dtype(), kFloat32);
  EXPECT_TRUE(equal(a.input, b.input));  // seeded: the same epoch draws the same
  // The validation images are only normalised, like the test images.
  const data::Batch v = all_batches(d, *d.val);
  const TrainingData plain = load_training_data(config({set("data.val_fraction", "0.2")}));
  EXPECT_TRUE(allclose(v.input, all_batches(plain, *plain.val).input, 1e-6, 1e-6));
}

TEST_F(ImageDataTest, ReadInputConvertsAnyImageLikeTheTestImages) {
  SetUpCwd();
  TrainingData d = load_training_data(config(), false);
  data::image::write_image(path("rgb.png"), randint(0, 256, {3, 23, 37}, {.dtype = kInt64}).to(kUInt8));
  data::image::write_image(path("rgba.png"), randint(0, 256, {4, 9, 5}, {.dtype = kInt64}).to(kUInt8));
  data::image::write_image(path("grey.jpg"), randint(0, 256, {1, 50, 71}, {.dtype = kInt64}).to(kUInt8));
  for (const char* name : {"rgb.png", "rgba.png", "grey.jpg"}) {
    const Tensor x = d.read_input(path(name));
    EXPECT_EQ(x.shape(), (Shape{1, 3, 16, 12})) << name;
    EXPECT_EQ(x.dtype(), kFloat32) << name;
  }
  // Exactly the conversion of the training images: stored -> channels -> size -> normalised.
  const Tensor stored = data::image::read_image(path("rgba.png"));
  const Tensor fitted = cli::fit_image(stored, config().data.image, 16, 12);
  EXPECT_TRUE(
      allclose(d.read_input(path("rgba.png")),
               all_batches(d, data::TensorDataset(fitted.unsqueeze(0), zeros({1}, {.dtype = kInt64}))).input,
               1e-6, 1e-6));
  EXPECT_ERROR_CONTAINS(d.read_input(path("nope.png")), "image", "nope.png", "does not exist");
  write("broken.png", "not an image");
  EXPECT_ERROR_CONTAINS(d.read_input(path("broken.png")), "cannot read image", "broken.png");
}

TEST_F(ImageDataTest, ConfigMistakesNameFileLineAndField) {
  SetUpCwd();
  EXPECT_ERROR_CONTAINS(variant(6, "    size: [16]"), "v.yaml:6:", "data.image.size", "[height, width]");
  EXPECT_ERROR_CONTAINS(variant(6, "    size: [16, 0]"), "v.yaml:6:", "data.image.size");
  EXPECT_ERROR_CONTAINS(variant(6, "    size: big"), "v.yaml:6:", "data.image.size");
  EXPECT_ERROR_CONTAINS(variant(7, "    channels: 4"), "v.yaml:7:", "data.image.channels", "1 (grey) or 3");
  EXPECT_ERROR_CONTAINS(variant(7, "    mean: [0.5, 0.5]\n    std: [0.2, 0.2]"),
                        "v.yaml:7:", "data.image.mean", "1 or 3 values");
  EXPECT_ERROR_CONTAINS(variant(7, "    mean: [0.5]\n    std: [0]"), "v.yaml:8:", "data.image.std",
                        "positive");
  EXPECT_ERROR_CONTAINS(variant(7, "    mean: [0.5]"), "v.yaml:7:", "needs both 'mean' and 'std'");
  EXPECT_ERROR_CONTAINS(variant(7, "    mean: [0.5]\n    std: [0.2]", {set("data.normalize", "false")}),
                        "v.yaml:7:", "data.normalize is false");
  EXPECT_ERROR_CONTAINS(variant(8, "    test_fraction: 1.5"), "v.yaml:8:", "data.image.test_fraction",
                        "(0, 1)");
  EXPECT_ERROR_CONTAINS(variant(8, "    test_fraction: 0.5", {set("data.val_fraction", "0.5")}),
                        "v.yaml:8:", "leave no training images");
  EXPECT_ERROR_CONTAINS(variant(8, "    backgroud: 1"), "v.yaml:8:", "unknown field 'data.image.backgroud'",
                        "did you mean 'background'");
  EXPECT_ERROR_CONTAINS(variant(8, "    background: 2"), "v.yaml:8:", "data.image.background", "[0, 1]");
  EXPECT_ERROR_CONTAINS(variant(5, "    path: nowhere"), "v.yaml:5:", "data.image.path",
                        "'nowhere' does not exist");
  EXPECT_ERROR_CONTAINS(variant(5, ""), "v.yaml:5:", "data.image.path", "missing");
  EXPECT_ERROR_CONTAINS(variant(3, "  dataset: mnist"),
                        "v.yaml:5:", "'data.image' does not apply to dataset 'mnist'");
  EXPECT_ERROR_CONTAINS(variant(3, "  dataset: emoji"), "v.yaml:5:", "data.image.path",
                        "does not apply to dataset 'emoji'");
  EXPECT_ERROR_CONTAINS(load_config(path("c.yaml"), {set("data.image", "null")}), "--set data.image=null",
                        "needs a 'data.image' section");
  EXPECT_ERROR_CONTAINS(variant(3, "  dataset: image-folders"), "v.yaml:3:", "did you mean 'image-folder'");
  // An empty folder is reported with the config's place.
  fs::create_directories(dir_ / "empty");
  EXPECT_ERROR_CONTAINS(load_training_data(variant(5, "    path: empty")), "v.yaml:5:", "data.image",
                        "no class folders");
  // data.root is where a relative path is looked for next.
  fs::create_directories(dir_ / "elsewhere");
  fs::rename(dir_ / "colours", dir_ / "elsewhere/colours");
  EXPECT_EQ(config({set("data.root", "elsewhere")}).data.image.path, "elsewhere/colours");
}

TEST_F(ImageDataTest, TheResolvedConfigReadsBack) {
  SetUpCwd();
  const Config c =
      config({set("data.image.mean", "[0.4, 0.5, 0.6]"), set("data.image.std", "[0.2, 0.25, 0.3]"),
              set("data.image.background", "0.5"), set("data.image.seed", "3")});
  write("resolved.yaml", cli::to_yaml(c));
  const Config back = load_config(path("resolved.yaml"));
  EXPECT_EQ(back.data.dataset, "image-folder");
  EXPECT_EQ(back.data.image.path, "colours");
  EXPECT_EQ(back.data.image.size, (std::vector<int64_t>{16, 12}));
  EXPECT_EQ(back.data.image.channels, 3);
  EXPECT_EQ(back.data.image.mean, c.data.image.mean);
  EXPECT_EQ(back.data.image.std, c.data.image.std);
  EXPECT_EQ(back.data.image.background.value_or(-1), 0.5);
  EXPECT_EQ(back.data.image.test_fraction, 0.25);
  EXPECT_EQ(back.data.image.seed, 3u);
  EXPECT_EQ(cli::to_yaml(back), cli::to_yaml(c));
  // The emoji set: transparent pixels over white unless the config says otherwise.
  const Config emoji = variant(3, "  dataset: emoji", {set("data.image.path", "null")});
  EXPECT_EQ(emoji.data.image.background.value_or(-1), 1.0);
}

}  // namespace
}  // namespace strata::cli_test
