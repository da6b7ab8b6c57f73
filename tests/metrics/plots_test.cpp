// Evaluation plots: the PNGs exist, have the expected layout, and bad input is refused.
#include "strata/metrics/plots.h"

#include <gtest/gtest.h>
#include <stb/stb_image.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "metrics/metrics_test_util.h"
#include "strata/ops/indexing.h"

namespace strata::metrics {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::labels;

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  std::array<int, 3> at(int x, int y) const {
    const size_t i = (static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

Image load(const fs::path& path) {
  Image img;
  int channels = 0;
  std::unique_ptr<uint8_t, decltype(&stbi_image_free)> data(
      stbi_load(path.c_str(), &img.width, &img.height, &channels, 3), &stbi_image_free);
  if (!data) return img;
  img.rgb.assign(data.get(), data.get() + static_cast<size_t>(img.width) * img.height * 3);
  return img;
}

class PlotsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // STRATA_KEEP_PLOTS=dir keeps the images for a look.
    const char* keep = std::getenv("STRATA_KEEP_PLOTS");
    dir_ = keep ? fs::path(keep) : fs::temp_directory_path() / ("strata_plots_" + std::to_string(::getpid()));
    keep_ = keep != nullptr;
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!keep_) fs::remove_all(dir_);
  }
  fs::path dir_;
  bool keep_ = false;
};

TEST_F(PlotsTest, ConfusionMatrixHasTwoPanelsWithADarkDiagonal) {
  const Tensor m = from_vector<int64_t>({50, 2, 0, 5, 40, 5, 1, 3, 30}, {3, 3});
  const fs::path path = dir_ / "confusion.png";
  plot_confusion_matrix(path.string(), m, {"cat", "dog", "bird"});
  const Image img = load(path);
  ASSERT_GT(img.width, 0) << "not a PNG";
  EXPECT_GT(img.width, 2 * img.height - 200);  // two panels side by side
  // Somewhere the largest count is drawn in the darkest blue.
  bool dark = false;
  for (int y = 0; y < img.height && !dark; ++y) {
    for (int x = 0; x < img.width / 2 && !dark; ++x) dark = img.at(x, y) == std::array<int, 3>{8, 48, 107};
  }
  EXPECT_TRUE(dark);
}

TEST_F(PlotsTest, ManyLongClassNamesFit) {
  std::vector<int64_t> counts(100);
  for (int i = 0; i < 10; ++i) {
    for (int j = 0; j < 10; ++j)
      counts[static_cast<size_t>(i * 10 + j)] = i == j ? 900 + i : (i * 7 + j * 3) % 40;
  }
  const std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                       "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  const fs::path path = dir_ / "fashion_confusion.png";
  plot_confusion_matrix(path.string(), from_vector(counts, {10, 10}), names);
  EXPECT_GT(load(path).width, 0);
}

TEST_F(PlotsTest, RocCurvesOfAMetric) {
  RocAuc auc;
  Generator g(3);
  const Tensor truth = randint(0, 3, {300}, {.dtype = kInt64}, &g);
  const Tensor logits = randn({300, 3}, {.dtype = kFloat64}, &g) + ops::one_hot(truth, 3).to(kFloat64) * 1.5;
  auc.update(logits, truth);
  const fs::path path = dir_ / "roc.png";
  plot_roc_curve(path.string(), auc, {"cat", "dog", "bird"});
  const Image img = load(path);
  ASSERT_GT(img.width, 0);
  EXPECT_EQ(img.width, img.height);
  // The first curve's colour is drawn.
  bool blue = false;
  for (size_t i = 0; i + 2 < img.rgb.size() && !blue; i += 3) {
    blue = img.rgb[i] == 31 && img.rgb[i + 1] == 119 && img.rgb[i + 2] == 180;
  }
  EXPECT_TRUE(blue);
  RocAuc binary;
  binary.update(from_vector<double>({0.9, 0.4, 0.6, 0.1, 0.5}), labels({1, 0, 1, 0, 0}));
  plot_roc_curve((dir_ / "roc_binary.png").string(), binary);
  EXPECT_TRUE(fs::exists(dir_ / "roc_binary.png"));
}

TEST_F(PlotsTest, BadInputIsRefused) {
  const std::string path = (dir_ / "x.png").string();
  std::string msg = error_of([&] { plot_confusion_matrix(path, zeros({2, 3})); });
  EXPECT_NE(msg.find("plot_confusion_matrix: a confusion matrix must be square [C, C], got shape [2, 3]"),
            std::string::npos)
      << msg;
  msg = error_of([&] { plot_confusion_matrix(path, zeros({2, 2}), {"a"}); });
  EXPECT_NE(msg.find("1 class names for a confusion matrix of shape [2, 2]"), std::string::npos) << msg;
  msg = error_of([&] { plot_confusion_matrix(path, from_vector<double>({1, -1, 0, 1}, {2, 2})); });
  EXPECT_NE(msg.find("entries must be non-negative counts"), std::string::npos) << msg;
  msg = error_of([&] { plot_roc_curves(path, {}); });
  EXPECT_NE(msg.find("plot_roc_curves: no curves to draw"), std::string::npos) << msg;
  msg = error_of([&] { plot_roc_curves(path, {RocCurve{}}, {"a", "b"}); });
  EXPECT_NE(msg.find("2 labels for 1 curves"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(path));
}

TEST(DrawBoxes, OutlinesInTheClassColourOnTheEnlargedImage) {
  const Tensor image = zeros({1, 10, 10});
  const Tensor out = draw_boxes(image, from_vector<float>({2, 4, 8, 9}, {1, 4}), from_vector<int64_t>({1}),
                                from_vector<float>({0.9f}), {"a", "b"}, 4);
  EXPECT_EQ(out.shape(), Shape({3, 40, 40}));
  EXPECT_EQ(out.dtype(), kUInt8);
  const auto px = out.to_vector<uint8_t>();
  // Class 1 is the palette's orange (255, 127, 14); the box's bottom edge runs along y = 35.
  EXPECT_EQ(px[35 * 40 + 20], 255);
  EXPECT_EQ(px[1600 + 35 * 40 + 20], 127);
  EXPECT_EQ(px[35 * 40 + 2], 0);  // left of the box: the black image
  EXPECT_THROW(draw_boxes(image, zeros({1, 3}), from_vector<int64_t>({0})), Error);
}

TEST(DrawMask, BlendsClassesAndLeavesBackgroundClear) {
  const Tensor image = full({1, 2, 2}, 1.0);
  const Tensor mask = from_vector<int64_t>({0, 1, 0, 0}, {2, 2});
  const auto px = draw_mask(image, mask, 0.5, 1).to_vector<uint8_t>();
  EXPECT_EQ(px[0], 255);  // background: the white image
  EXPECT_EQ(px[1], 143);  // class 1 -> palette 0 (31, 119, 180) half over white: (255 + 31) / 2
  EXPECT_THROW(draw_mask(image, zeros({3, 3}, {.dtype = kInt64})), Error);
}

}  // namespace
}  // namespace strata::metrics
