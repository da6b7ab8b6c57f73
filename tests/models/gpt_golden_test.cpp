// Whole-model golden test of the GPT against a plain-torch GPT (scripts/gen_fixtures_gpt.py): logits, loss,
// every parameter's gradient, and the losses of 10 AdamW steps.
#include <gtest/gtest.h>

#include "golden_util.h"
#include "strata/models/gpt.h"
#include "strata/nn/loss.h"
#include "strata/ops/loss.h"
#include "strata/optim/adam.h"

namespace strata::models {
namespace {

const char* kFile = "gpt.safetensors";

const Tensor& at(const std::string& name) {
  const auto& f = golden::fixture(kFile);
  const auto it = f.find(name);
  STRATA_CHECK(it != f.end(), "gpt.safetensors has no '{}'", name);
  return it->second;
}

// The fixture's model, its parameters loaded, in `dtype`.
GPT fixture_model(Dtype dtype) {
  const std::vector<int64_t> c = at("config").to_vector<int64_t>();
  GPT model(
      GPTConfig{.vocab_size = c[0], .block_size = c[1], .n_layer = c[2], .n_head = c[3], .n_embd = c[4]});
  model->to(dtype);
  nn::StateDict state;
  for (const auto& [name, value] : golden::fixture(kFile)) {
    if (name.starts_with("param.")) state[name.substr(6)] = value.to(dtype);
  }
  model->load_state_dict(state);  // strict: the fixture names every parameter, nothing more
  return model;
}

Tensor loss_of(const Tensor& logits, const Tensor& targets) {
  return ops::cross_entropy(logits.reshape({-1, logits.size(-1)}), targets.reshape({-1}));
}

::testing::AssertionResult close(const Tensor& got, const Tensor& want, double rtol, double atol) {
  const auto g = got.to(kFloat64).to_vector<double>(), w = want.to_vector<double>();
  if (got.shape() != want.shape()) return ::testing::AssertionFailure() << "shape " << got.shape().str();
  for (size_t i = 0; i < g.size(); ++i) {
    if (!(std::abs(g[i] - w[i]) <= atol + rtol * std::abs(w[i])))
      return ::testing::AssertionFailure() << "element " << i << ": strata " << g[i] << ", PyTorch " << w[i];
  }
  return ::testing::AssertionSuccess();
}

TEST(GPTGolden, LogitsLossAndGradientsFloat64) {
  GPT model = fixture_model(kFloat64);
  const Tensor logits = model(at("idx"));
  EXPECT_TRUE(golden::all_close(logits, at("logits")));
  const Tensor loss = loss_of(logits, at("targets"));
  EXPECT_TRUE(golden::all_close(loss, at("loss")));
  loss.backward();
  int64_t checked = 0;
  for (const auto& [name, p] : model->named_parameters()) {
    EXPECT_TRUE(golden::all_close(p.grad(), at("grad." + name))) << name;
    ++checked;
  }
  EXPECT_EQ(checked, 4 + 12 * model->config.n_layer);
}

TEST(GPTGolden, LogitsLossAndGradientsFloat32) {
  GPT model = fixture_model(kFloat32);
  const Tensor logits = model(at("idx"));
  EXPECT_TRUE(close(logits, at("logits"), 1e-4, 1e-5));
  const Tensor loss = loss_of(logits, at("targets"));
  EXPECT_TRUE(close(loss, at("loss"), 1e-5, 1e-6));
  loss.backward();
  for (const auto& [name, p] : model->named_parameters())
    EXPECT_TRUE(close(p.grad(), at("grad." + name), 1e-3, 1e-5)) << name;
}

TEST(GPTGolden, AdamWStepsFollowPyTorch) {
  GPT model = fixture_model(kFloat64);
  optim::AdamW opt(model->parameters(), {.lr = 1e-2, .betas = {0.9, 0.95}, .eps = 1e-8, .weight_decay = 0.1});
  const std::vector<double> want = at("adamw_losses").to_vector<double>();
  for (size_t step = 0; step < want.size(); ++step) {
    opt.zero_grad();
    const Tensor loss = loss_of(model(at("idx")), at("targets"));
    EXPECT_NEAR(loss.item<double>(), want[step], 1e-9 * std::abs(want[step])) << "step " << step;
    loss.backward();
    opt.step();
  }
  EXPECT_LT(want.back(), want.front() - 1.0);  // the steps learn the batch
}

}  // namespace
}  // namespace strata::models
