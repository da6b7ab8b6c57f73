// load_model_state: the model entries of a training checkpoint or every entry of a plain state dict.
#include "strata/io/model_state.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "strata/core/factory.h"
#include "strata/data.h"
#include "strata/io/safetensors.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/train.h"

namespace strata::io {
namespace {

namespace fs = std::filesystem;

class ModelState : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("strata_model_state_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ModelState, PlainStateDictLoadsWhole) {
  nn::Sequential net(nn::Linear(3, 2));
  save_safetensors((dir_ / "plain.safetensors").string(), net->state_dict());
  const nn::StateDict state = load_model_state((dir_ / "plain.safetensors").string());
  ASSERT_EQ(state.size(), 2u);
  EXPECT_TRUE(equal(state.at("0.weight"), net->state_dict().at("0.weight")));
}

TEST_F(ModelState, TrainingCheckpointGivesOnlyTheModel) {
  nn::Sequential net(nn::Linear(3, 2));
  train::Trainer trainer(net.ptr(), optim::Adam(net->parameters()), nn::CrossEntropyLoss());
  auto ds = std::make_shared<data::TensorDataset>(randn({8, 3}), zeros({8}, {.dtype = kInt64}));
  data::DataLoader loader(ds, {.batch_size = 4});
  trainer.fit(loader, {.epochs = 1, .progress = false});
  const std::string path = (dir_ / "ckpt.safetensors").string();
  trainer.save_checkpoint(path);
  const nn::StateDict state = load_model_state(path);
  ASSERT_EQ(state.size(), 2u);
  EXPECT_TRUE(state.count("0.weight"));
  EXPECT_TRUE(equal(state.at("0.bias"), net->state_dict().at("0.bias")));
}

TEST_F(ModelState, UnreadableOrEmptyFilesAreErrors) {
  EXPECT_THROW(load_model_state((dir_ / "missing.safetensors").string()), Error);
  const std::string empty = (dir_ / "empty.safetensors").string();
  save_safetensors(empty, {});
  try {
    load_model_state(empty);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), empty + ": holds no model weights");
  }
}

}  // namespace
}  // namespace strata::io
