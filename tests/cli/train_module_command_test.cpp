// `strata train` on the GAN configs as a user runs them (on a slice of Fashion-MNIST, one epoch, small
// width): the run folder gets the sample grid of the epoch, metrics.csv with the logged losses, curves.png
// and a checkpoint with both networks and both optimisers; config mistakes in `optimizers` and `data.range`
// give one clear error line.
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "strata/io/safetensors.h"

namespace strata::cli_test {
namespace {

class TrainModuleCommandTest : public CliFixture {};

TEST_F(TrainModuleCommandTest, TrainsEachGanConfigAndWritesItsRunFolder) {
  for (const std::string name : {"dcgan", "cgan", "wgan_gp"}) {
    SCOPED_TRACE(name);
    const std::string config = (configs_dir() / ("fashion_" + name + ".yaml")).string();
    const CliResult r = run({"train", "-c", config, "--out", name, "--epochs", "1", "--threads", "1",
                             "--no-progress", "--set", "data.limit=320", "--set",
                             "model.width=8"});  // 5 batches: wgan_gp steps its generator once
    ASSERT_EQ(r.code, 0) << r.err;
    const nlohmann::json logs = nlohmann::json::parse(lines_of(r.out).at(0));
    EXPECT_EQ(logs["epochs"], 1);
    EXPECT_TRUE(logs.contains("g_loss")) << r.out;
    EXPECT_TRUE(logs.contains(name == "wgan_gp" ? "critic_loss" : "d_loss")) << r.out;
    for (const char* file :
         {"samples_epoch_001.png", "metrics.csv", "curves.png", "last.safetensors", "config.yaml"})
      EXPECT_TRUE(fs::is_regular_file(dir_ / name / file)) << file;
    const auto ckpt = io::read_safetensors((dir_ / name / "last.safetensors").string());
    EXPECT_TRUE(ckpt.tensors.count("optimizers.0.group.0.lr")) << "critic / discriminator optimiser";
    EXPECT_TRUE(ckpt.tensors.count("optimizers.1.group.0.lr")) << "generator optimiser";
  }
}

TEST_F(TrainModuleCommandTest, ConfigMistakesNameTheField) {
  const std::string base = "data: {limit: 64, range: [-1, 1]}\nmodel: {zoo: dcgan, width: 8}\n";
  write("network.yaml", base + "optimizers:\n  critic: {name: adam}\n");
  expect_error(run({"train", "-c", "network.yaml", "--no-progress"}),
               {"optimizers.critic", "no network 'critic'", "discriminator, generator"});
  write("option.yaml", base + "optimizers:\n  generator: {name: adam, momentum: 0.9}\n");
  expect_error(run({"train", "-c", "option.yaml", "--no-progress"}), {"optimizers.generator", "momentum"});
  write("classic.yaml",
        "data: {limit: 64}\nmodel: {layers: [flatten, {linear: {in: 784, out: 10}}]}\n"
        "optimizers:\n  generator: {name: adam}\n");
  expect_error(run({"train", "-c", "classic.yaml", "--no-progress"}),
               {"field 'optimizers'", "training modules", "takes 'optimizer'"});
  write("range.yaml", "data: {range: [1, -1]}\nmodel: {zoo: dcgan}\n");
  expect_error(run({"train", "-c", "range.yaml", "--no-progress"}), {"data.range", "lo < hi"});
  write("field.yaml", "data: {range: [-1, 1]}\nmodel: {zoo: dcgan, n_critic: 3}\n");
  expect_error(run({"train", "-c", "field.yaml", "--no-progress"}), {"n_critic"});
}

}  // namespace
}  // namespace strata::cli_test
