// A PyTorch nn.Sequential saved as safetensors (tests/fixtures/nn_sequential.safetensors, written by
// scripts/gen_fixtures_nn.py) loads into the same strata network and gives the same outputs.
#include "golden_util.h"
#include "strata/nn.h"

namespace strata::nn {
namespace {

Sequential same_network() {
  return Sequential(Embedding(10, 4), Flatten(), Linear(12, 8), ReLU(), Dropout(0.5), Linear(8, 3), Tanh());
}

TEST(ModuleGolden, LoadsAPyTorchStateDictAndMatchesItsOutput) {
  const auto state = io::load_safetensors(std::string(STRATA_FIXTURES_DIR) + "/nn_sequential.safetensors");
  Sequential net = same_network();
  std::set<std::string> keys;
  for (const auto& [k, t] : state) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"0.weight", "2.bias", "2.weight", "5.bias", "5.weight"}));
  net->load_state_dict(state);  // strict: same names and shapes as PyTorch's
  net->eval();
  const auto& fx = golden::fixture("nn.safetensors");
  EXPECT_TRUE(golden::all_close(net(fx.at("sequential.x")), fx.at("sequential.out")));
  // And what strata saves reads back as the same state.
  for (const auto& [k, t] : net->state_dict()) EXPECT_TRUE(equal(t, state.at(k))) << k;
}

}  // namespace
}  // namespace strata::nn
