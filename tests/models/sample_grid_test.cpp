// models::sample_grid / interpolate_latents / save_sample_grid: layouts for unconditional and conditional
// models, class rows, interpolation rows, and the errors for bad classes and counts.
#include "strata/models/sample_grid.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "strata/data/image/io.h"
#include "strata/models/vae.h"
#include "strata/nn/linear.h"
#include "strata/strata.h"
#include "temp_path.h"
#include "test_util.h"

namespace strata::models {
namespace {

namespace fs = std::filesystem;

// A conditional generator whose 4x4 images are the class, k / classes, everywhere, plus a small term of z:
// the class each image was drawn for can be read back from its pixels.
class ClassShade : public GenerativeModel {
 public:
  explicit ClassShade(int64_t classes) : classes_(classes), net_(3, 16) {}
  int64_t latent_dim() const override { return 3; }
  int64_t num_classes() const override { return classes_; }
  nn::Module& generator_module() override { return *net_; }
  Tensor decode(const Tensor& z, const Tensor& labels) override {
    NoGradGuard no_grad;
    const Tensor shade = labels.to(kFloat32).reshape({-1, 1}) / static_cast<double>(classes_);
    const Tensor wiggle = ops::tanh(net_->forward(z)) * 1e-3;
    return (shade + wiggle).reshape({-1, 1, 4, 4});
  }

 private:
  int64_t classes_;
  nn::Linear net_;
};

TEST(InterpolateLatents, EndsAndPaths) {
  const Tensor a = from_vector<double>({1, 0, 0}), b = from_vector<double>({0, 2, 0});
  for (auto mode : {Interpolation::Linear, Interpolation::Spherical}) {
    const auto z = interpolate_latents(a, b, 5, mode).to_vector<double>();
    ASSERT_EQ(z.size(), 15u);
    EXPECT_EQ(std::vector<double>(z.begin(), z.begin() + 3), a.to_vector<double>());
    EXPECT_NEAR(z[12], 0, 1e-12);
    EXPECT_NEAR(z[13], 2, 1e-12);
  }
  // Linear midpoint; spherical midpoint of orthogonal vectors: both weights sin(pi/4) / sin(pi/2).
  const auto lin = interpolate_latents(a, b, 3, Interpolation::Linear).to_vector<double>();
  EXPECT_NEAR(lin[3], 0.5, 1e-12);
  EXPECT_NEAR(lin[4], 1.0, 1e-12);
  const auto sph = interpolate_latents(a, b, 3, Interpolation::Spherical).to_vector<double>();
  EXPECT_NEAR(sph[3], std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(sph[4], 2 * std::sqrt(0.5), 1e-12);
  // Parallel ends: spherical falls back to linear.
  const auto par = interpolate_latents(a, a * 3.0, 3, Interpolation::Spherical).to_vector<double>();
  EXPECT_NEAR(par[3], 2.0, 1e-12);
  EXPECT_ERROR_CONTAINS(interpolate_latents(a, b, 1, Interpolation::Linear), "steps", ">= 2");
  EXPECT_ERROR_CONTAINS(interpolate_latents(a, zeros({4}), 3, Interpolation::Linear), "[3]", "[4]");
  EXPECT_EQ(interpolation_from_name("lerp"), Interpolation::Linear);
  EXPECT_EQ(interpolation_from_name("slerp"), Interpolation::Spherical);
  EXPECT_ERROR_CONTAINS(interpolation_from_name("cubic"), "cubic", "slerp", "lerp");
}

TEST(SampleGrid, UnconditionalSamples) {
  VAE vae(VAEOptions{.latent_dim = 4, .hidden_channels = 4});
  Generator g(1);
  const SampleGrid grid = sample_grid(*vae, {.n = 10}, g);
  EXPECT_EQ(grid.images.shape(), (Shape{10, 1, 28, 28}));
  EXPECT_EQ(grid.ncols, 4);
  EXPECT_EQ(grid.labels.to_vector<int64_t>(), std::vector<int64_t>(10, -1));
  EXPECT_ERROR_CONTAINS(sample_grid(*vae, {.n = 4, .class_label = 2}, g), "--class 2", "unconditional");
  EXPECT_ERROR_CONTAINS(sample_grid(*vae, {.n = 0}, g), "--n");
}

TEST(SampleGrid, ClassRowsForAConditionalModel) {
  ClassShade model(10);
  Generator g(2);
  const SampleGrid grid = sample_grid(model, {.n = 64}, g);
  ASSERT_EQ(grid.ncols, 7);
  ASSERT_EQ(grid.images.shape(), (Shape{70, 1, 4, 4}));
  for (int64_t i = 0; i < 70; ++i) {
    const int64_t row = i / 7;
    EXPECT_EQ(grid.labels.to_vector<int64_t>()[static_cast<size_t>(i)], row);
    EXPECT_NEAR(grid.images.select(0, i).mean().item<double>(), row / 10.0, 2e-3) << "image " << i;
  }
  const SampleGrid one = sample_grid(model, {.n = 9, .class_label = 3}, g);
  EXPECT_EQ(one.images.size(0), 9);
  EXPECT_EQ(one.ncols, 3);
  EXPECT_NEAR(one.images.mean().item<double>(), 0.3, 2e-3);
  EXPECT_ERROR_CONTAINS(sample_grid(model, {.class_label = 10}, g), "unknown class 10", "0..9");
  EXPECT_ERROR_CONTAINS(sample_grid(model, {.class_label = -1}, g), "unknown class -1");
}

TEST(SampleGrid, InterpolationRows) {
  VAE vae(VAEOptions{.latent_dim = 4, .hidden_channels = 4});
  Generator g(3);
  const SampleGrid grid = sample_grid(*vae, {.n = 24, .interpolate = true, .steps = 8}, g);
  EXPECT_EQ(grid.ncols, 8);
  EXPECT_EQ(grid.images.size(0), 24);  // three pairs
  ClassShade model(4);
  const SampleGrid rows = sample_grid(model, {.n = 50, .interpolate = true, .steps = 10}, g);
  ASSERT_EQ(rows.images.size(0), 50);
  for (int64_t r = 0; r < 5; ++r)  // row r interpolates within class r mod 4
    EXPECT_NEAR(rows.images.slice(0, r * 10, r * 10 + 10).mean().item<double>(), (r % 4) / 4.0, 2e-3);
  EXPECT_ERROR_CONTAINS(sample_grid(*vae, {.interpolate = true, .steps = 1}, g), "steps", ">= 2");
}

TEST(SampleGrid, SavesAPng) {
  ClassShade model(10);
  Generator g(4);
  const std::string path = testing::unique_temp_path("sample_grid_test", ".png").string();
  save_sample_grid(path, sample_grid(model, {.n = 20}, g), 2);
  // 10 rows and 2 columns of 8x8 cells with 2 pixels of padding.
  const Tensor png = data::image::read_image(path);
  EXPECT_EQ(png.size(-2), 10 * 10 + 2);
  EXPECT_EQ(png.size(-1), 2 * 10 + 2);
  fs::remove(path);
}

}  // namespace
}  // namespace strata::models
