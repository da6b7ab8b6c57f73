// `strata generate` for image models: sample grids of the VAE and class rows of the conditional GAN, --class,
// --interpolate, and clear errors for an unknown class, a class for an unconditional model, a non-generative
// config, a checkpoint of another model and a missing --out.
#include "cli_util.h"
#include "strata/io/safetensors.h"
#include "strata/models/zoo.h"

namespace strata::cli_test {
namespace {

constexpr const char* kVaeConfig = R"(name: tiny_vae
data: {dataset: fashion-mnist, batch_size: 32, normalize: false}
model: {zoo: vae, latent_dim: 4, hidden_channels: 4}
training: {epochs: 1, seed: 3}
)";

constexpr const char* kCganConfig = R"(name: tiny_cgan
data: {dataset: fashion-mnist, batch_size: 32, range: [-1, 1]}
model: {zoo: cgan, latent_dim: 8, width: 8, classes: 10}
training: {epochs: 1, seed: 3}
)";

class GenerateImages : public CliFixture {
 protected:
  // Writes the config `name` and a plain state dict of its (untrained, seeded) model as `name`.safetensors.
  void model_files(const std::string& name, const std::string& config, const std::string& zoo,
                   const models::ZooOptions& options) const {
    write(name + ".yaml", config);
    manual_seed(0);
    io::save_safetensors((dir_ / (name + ".safetensors")).string(),
                         models::create(zoo, options)->state_dict());
  }
  void vae_files() const { model_files("vae", kVaeConfig, "vae", {.latent_dim = 4, .hidden_channels = 4}); }
  void cgan_files() const {
    model_files("cgan", kCganConfig, "cgan", {.num_classes = 10, .latent_dim = 8, .gan_width = 8});
  }
  // The height and width of a PNG the test wrote.
  Shape png_size(const std::string& name) const {
    const Tensor png = data::image::read_image((dir_ / name).string());
    return {png.size(-2), png.size(-1)};
  }
};

// A grid of r x c cells of 28x28 images upscaled twice, with 2 pixels of padding.
Shape grid_size(int64_t rows, int64_t cols) { return {rows * 58 + 2, cols * 58 + 2}; }

TEST_F(GenerateImages, VaeSamplesAndInterpolations) {
  vae_files();
  CliResult r = run(
      {"generate", "-c", "vae.yaml", "--checkpoint", "vae.safetensors", "--out", "grid.png", "--n", "16"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(png_size("grid.png"), grid_size(4, 4));
  EXPECT_NE(r.err.find("16 samples (4 x 4) -> grid.png"), std::string::npos) << r.err;
  r = run({"generate", "-c", "vae.yaml", "--checkpoint", "vae.safetensors", "--out", "walk.png",
           "--interpolate", "--n", "10", "--steps", "5", "--interpolation", "lerp"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(png_size("walk.png"), grid_size(2, 5));
  // The same seed gives the same picture.
  ASSERT_EQ(run({"generate", "-c", "vae.yaml", "--checkpoint", "vae.safetensors", "--out", "again.png", "--n",
                 "16"})
                .code,
            0);
  EXPECT_EQ(read_text(dir_ / "grid.png"), read_text(dir_ / "again.png"));
}

TEST_F(GenerateImages, ConditionalClassRowsAndOneClass) {
  cgan_files();
  CliResult r = run(
      {"generate", "-c", "cgan.yaml", "--checkpoint", "cgan.safetensors", "--out", "rows.png", "--n", "20"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(png_size("rows.png"), grid_size(10, 2));  // row k = class k
  r = run({"generate", "-c", "cgan.yaml", "--checkpoint", "cgan.safetensors", "--out", "three.png", "--class",
           "3", "--n", "9"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(png_size("three.png"), grid_size(3, 3));
  expect_error(run({"generate", "-c", "cgan.yaml", "--checkpoint", "cgan.safetensors", "--out", "x.png",
                    "--class", "12"}),
               {"unknown class 12", "10 classes", "0..9"});
}

TEST_F(GenerateImages, ClearErrors) {
  vae_files();
  cgan_files();
  expect_error(run({"generate", "-c", "vae.yaml", "--checkpoint", "vae.safetensors", "--out", "x.png",
                    "--class", "1"}),
               {"--class 1", "conditional model", "unconditional"});
  expect_error(run({"generate", "-c", "vae.yaml", "--checkpoint", "vae.safetensors"}), {"vae.yaml", "--out"});
  expect_error(run({"generate", "-c", "cgan.yaml", "--checkpoint", "vae.safetensors", "--out", "x.png"}),
               {"vae.safetensors", "does not fit the model of cgan.yaml"});
  write("garbage.safetensors", "not a safetensors file");
  expect_error(run({"generate", "-c", "vae.yaml", "--checkpoint", "garbage.safetensors", "--out", "x.png"}),
               {"garbage.safetensors"});
  write("lenet.yaml", "data: {dataset: fashion-mnist}\nmodel: {zoo: lenet5}\n");
  expect_error(run({"generate", "-c", "lenet.yaml", "--checkpoint", "vae.safetensors", "--out", "x.png"}),
               {"lenet.yaml", "model.zoo 'lenet5'", "not a generative model"});
  expect_error(run({"generate", "-c", "vae.yaml", "--checkpoint", "vae.safetensors", "--out", "x.png",
                    "--interpolate", "--steps", "1"}),
               {"steps", ">= 2"});
  expect_error(run({"generate", "-c", "vae.yaml", "--checkpoint", "vae.safetensors", "--out", "x.png",
                    "--interpolation", "cubic"}),
               {"cubic", "slerp", "lerp"});
  expect_error(run({"generate", "-c", (configs_dir() / "char_lm.yaml").string(), "--checkpoint",
                    "vae.safetensors", "--out", "x.png"}),
               {"image models", "text config"});
}

}  // namespace
}  // namespace strata::cli_test
