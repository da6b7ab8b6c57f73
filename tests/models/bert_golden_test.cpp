// The BERT-style encoder against the same model built from PyTorch's layers (tests/fixtures/bert.safetensors,
// scripts/gen_fixtures_bert.py): with PyTorch's weights loaded under strata's names, the masked-LM logits
// (tied output projection) and the classifier's logits (mean over the non-padding tokens) match in float64,
// and so does the gradient of every parameter, the tied token embedding's included.
#include <gtest/gtest.h>

#include "strata/io/safetensors.h"
#include "strata/models/bert.h"

namespace strata::models {
namespace {

const std::map<std::string, Tensor>& fixture() {
  static const std::map<std::string, Tensor> t =
      io::load_safetensors(std::string(STRATA_FIXTURES_DIR) + "/bert.safetensors");
  return t;
}

BertOptions options() {
  return {.vocab_size = 23,
          .hidden_size = 8,
          .num_layers = 2,
          .num_heads = 2,
          .intermediate_size = 16,
          .max_positions = 10,
          .dropout = 0.0,
          .pad_id = 0,
          .num_classes = 3};
}

void expect_matches(const std::string& c, nn::Module& model) {
  const auto& f = fixture();
  model.to(kFloat64);
  nn::StateDict state;
  const std::string prefix = c + ".state.";
  for (const auto& [name, t] : f)
    if (name.rfind(prefix, 0) == 0) state[name.substr(prefix.size())] = t;
  model.load_state_dict(state);  // strict: the names and shapes are PyTorch's
  model.train();
  const Tensor out = model.forward(f.at(c + ".ids"));
  EXPECT_TRUE(allclose(out, f.at(c + ".out"), 1e-9, 1e-10)) << c << ": outputs differ";
  (out * f.at(c + ".grad_out")).sum().backward();
  int checked = 0;
  for (const auto& [name, p] : model.named_parameters()) {
    const Tensor& expected = f.at(c + ".grad." + name);
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_TRUE(allclose(p.grad(), expected, 1e-8, 1e-10)) << c << ": gradient of " << name;
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(state.size()));
}

TEST(BertGolden, MaskedLMMatchesPyTorch) {
  BertForMaskedLM mlm(options());
  expect_matches("mlm", *mlm.ptr());
}

TEST(BertGolden, ClassifierMatchesPyTorch) {
  BertForSequenceClassification cls(options());
  expect_matches("cls", *cls.ptr());
}

}  // namespace
}  // namespace strata::models
