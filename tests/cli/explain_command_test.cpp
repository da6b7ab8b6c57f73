// `strata explain` as a user runs it: a small Fashion-MNIST model trained for seconds, then an overlay of
// one image, grids over images and methods, and each kind of mistake with its one-line message.
#include <gtest/gtest.h>

#include "cli/cli_util.h"
#include "strata/data/image/io.h"
#include "strata/data/mnist.h"
#include "strata/strata.h"

namespace strata::cli_test {
namespace {

constexpr const char* kConfig = R"(name: tiny_explain
data:
  batch_size: 64
  limit: 2000
  test_limit: 200
model:
  layers:
    - conv2d: {in: 1, out: 4, kernel: 5, padding: 2}
    - relu
    - maxpool2d: 2
    - flatten
    - linear: {in: 784, out: 10}
optimizer:
  name: adam
  lr: 0.003
training:
  epochs: 1
  seed: 1
  threads: 1
)";

// (width, height, channels) of a PNG.
std::tuple<int64_t, int64_t, int64_t> png_size(const fs::path& path) {
  const auto info = data::image::read_image_info(path.string());
  return {info.width, info.height, info.channels};
}

TEST_F(CliFixture, ExplainOverlaysGridsAndMistakes) {
  write("c.yaml", kConfig);
  const CliResult train = run({"train", "-c", "c.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(train.code, 0) << train.err;
  // Two test images as PNG files, as a user would have them.
  const data::FashionMNIST test(false);
  const Tensor images = test.inputs();
  for (int i = 0; i < 2; ++i)
    data::image::write_image((dir_ / fmt::format("item{}.png", i)).string(), images.select(0, i));

  const std::vector<std::string> base{"explain", "-c", "c.yaml", "--checkpoint", "run/best.safetensors"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };

  // One image, one method: the overlay alone, 28 x 8 = 224 pixels a side, and the top classes.
  const CliResult one = run(with({"--image", "item0.png", "--method", "saliency", "--out", "out/one.png"}));
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_EQ(png_size(dir_ / "out/one.png"), std::make_tuple(int64_t{224}, int64_t{224}, int64_t{3}));
  const std::vector<std::string> lines = lines_of(one.out);
  ASSERT_EQ(lines.size(), 2u) << one.out;
  EXPECT_EQ(lines[0].rfind("item0.png: explaining ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("; 1. "), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(", 3. "), std::string::npos) << lines[0];
  EXPECT_EQ(lines[1], "wrote out/one.png (saliency of item0.png)");

  // A grid: rows = images, columns = the image and one overlay per method (4 pixels of padding).
  const CliResult grid =
      run(with({"--images", "item0.png", "item1.png", "--methods", "saliency,integrated_gradients,occlusion",
                "--target", "3", "--scale", "2", "--out", "grid.png"}));
  ASSERT_EQ(grid.code, 0) << grid.err;
  EXPECT_EQ(png_size(dir_ / "grid.png"),
            std::make_tuple(int64_t{4 * 56 + 5 * 4}, int64_t{2 * 56 + 3 * 4}, int64_t{3}));
  EXPECT_NE(grid.out.find("item1.png: explaining Dress;"), std::string::npos) << grid.out;  // class 3
  EXPECT_NE(grid.out.find("columns: image, saliency, integrated_gradients, occlusion"), std::string::npos);

  const CliResult from_test = run(with(
      {"--from-test", "3", "--method", "smoothgrad", "--scale", "1", "--colormap", "jet", "--out", "t.png"}));
  ASSERT_EQ(from_test.code, 0) << from_test.err;
  EXPECT_EQ(png_size(dir_ / "t.png"),
            std::make_tuple(int64_t{2 * 28 + 3 * 4}, int64_t{3 * 28 + 4 * 4}, int64_t{3}));
  EXPECT_NE(from_test.out.find("test[2]: explaining"), std::string::npos);

  // Mistakes.
  expect_error(run(with({"--image", "item0.png", "--method", "saliancy", "--out", "x.png"})),
               {"unknown explain method 'saliancy' (did you mean 'saliency'?)", "methods: saliency, "});
  expect_error(run(with({"--image", "item0.png", "--methods", "saliency,ocluson", "--out", "x.png"})),
               {"unknown explain method 'ocluson' (did you mean 'occlusion'?)"});
  expect_error(
      run(with({"--image", "item0.png", "--method", "saliency", "--layer", "conv9", "--out", "x.png"})),
      {"unknown layer 'conv9' for --layer; the model's layers: 0, 1, 2, 3, 4"});
  expect_error(run(with({"--image", "item0.png", "--method", "saliency", "--layer", "0", "--out", "x.png"})),
               {"--layer applies to layer methods, and saliency takes none"});
  expect_error(
      run(with({"--image", "item0.png", "--method", "saliency", "--target", "10", "--out", "x.png"})),
      {"--target 10: the model has 10 classes (0..9)"});
  expect_error(run(with({"--from-test", "201", "--method", "saliency", "--out", "x.png"})),
               {"--from-test 201: the test split of c.yaml has 200 images"});
  expect_error(run(with({"--image", "item0.png", "--out", "x.png"})), {"needs --method or --methods"});
  expect_error(run(with({"--method", "saliency", "--out", "x.png"})),
               {"needs --image, --images or --from-test"});
  expect_error(run(with({"--image", "nope.png", "--method", "saliency", "--out", "x.png"})),
               {"image nope.png does not exist"});
  data::image::write_image((dir_ / "big.png").string(), zeros({1, 32, 32}, {.dtype = kUInt8}));
  expect_error(run(with({"--image", "big.png", "--method", "saliency", "--out", "x.png"})),
               {"image big.png is 32x32 grey (1 channel); the model of c.yaml takes 28x28 grey images"});
  data::image::write_image((dir_ / "rgb.png").string(), zeros({3, 28, 28}, {.dtype = kUInt8}));
  expect_error(run(with({"--image", "rgb.png", "--method", "saliency", "--out", "x.png"})),
               {"image rgb.png is 28x28 RGB (3 channels)", "input [1, 1, 28, 28]"});
  expect_error(
      run(with({"--image", "item0.png", "--method", "saliency", "--colormap", "virdis", "--out", "x.png"})),
      {"unknown colour map 'virdis' (did you mean 'viridis'?)"});
}

TEST_F(CliFixture, ExplainHelpListsTheMethods) {
  const CliResult help = run({"explain", "--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* m : {"saliency", "gradient_x_input", "smoothgrad", "integrated_gradients", "occlusion",
                        "gradcam", "gradcampp", "--methods", "--from-test", "--layer"})
    EXPECT_NE(help.out.find(m), std::string::npos) << m;
}

// Grad-CAM and Grad-CAM++ through the CLI: the default layer, --layer, and a layer without a spatial output.
TEST_F(CliFixture, ExplainGradCamReadsTheLayer) {
  write("c.yaml", kConfig);
  const CliResult train = run({"train", "-c", "c.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(train.code, 0) << train.err;
  const std::vector<std::string> base{
      "explain", "-c", "c.yaml", "--checkpoint", "run/best.safetensors", "--from-test", "2", "--scale", "1"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  const CliResult grid = run(with({"--methods", "gradcam,gradcampp", "--out", "cam.png"}));
  ASSERT_EQ(grid.code, 0) << grid.err;
  EXPECT_EQ(png_size(dir_ / "cam.png"),
            std::make_tuple(int64_t{3 * 28 + 4 * 4}, int64_t{2 * 28 + 3 * 4}, int64_t{3}));
  EXPECT_NE(grid.out.find("columns: image, gradcam, gradcampp"), std::string::npos) << grid.out;
  const CliResult layer = run(with({"--method", "gradcampp", "--layer", "0", "--out", "layer0.png"}));
  ASSERT_EQ(layer.code, 0) << layer.err;
  // The layer is checked when the maps are computed, after the top classes are printed.
  const CliResult flat = run(with({"--method", "gradcam", "--layer", "3", "--out", "x.png"}));
  EXPECT_EQ(flat.code, 2);
  EXPECT_NE(flat.err.find("strata: error: grad_cam: layer '3' (Flatten) outputs [2, 784], not [N, C, H, W]"),
            std::string::npos)
      << flat.err;
  EXPECT_FALSE(fs::exists(dir_ / "x.png"));
}

}  // namespace
}  // namespace strata::cli_test
