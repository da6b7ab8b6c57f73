// TransformerSeq2Seq against the PyTorch tutorial's model (scripts/gen_fixtures_seq2seq.py): the same weights
// give the same logits and parameter gradients, with source padding, shared and separate embeddings.
#include <gtest/gtest.h>

#include <set>

#include "strata/io/safetensors.h"
#include "strata/models/transformer_seq2seq.h"
#include "strata/strata.h"

namespace strata::models {
namespace {

const std::map<std::string, Tensor>& fixture() {
  static const auto tensors =
      io::load_safetensors(std::string(STRATA_FIXTURES_DIR) + "/transformer_seq2seq.safetensors");
  return tensors;
}

struct Case {
  std::string name;
  int64_t nhead, encoder_layers, decoder_layers, dim_feedforward;
};

// The architecture of each fixture case (the script's `case` calls).
const std::vector<Case>& cases() {
  static const std::vector<Case> all = {{"shared", 2, 2, 2, 16}, {"separate", 3, 1, 2, 10}};
  return all;
}

TEST(TransformerSeq2SeqGolden, FixtureNamesTheListedCases) {
  std::set<std::string> in_file, listed;
  for (const auto& [key, t] : fixture()) in_file.insert(key.substr(0, key.find('.')));
  for (const auto& c : cases()) listed.insert(c.name);
  EXPECT_EQ(in_file, listed);
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Seq2SeqGolden : public ::testing::TestWithParam<Case> {};

TEST_P(Seq2SeqGolden, MatchesPyTorch) {
  const Case& c = GetParam();
  const std::string p = c.name + ".";
  nn::StateDict state;
  for (const auto& [key, t] : fixture()) {
    if (key.rfind(p + "state.", 0) == 0) state[key.substr(p.size() + 6)] = t;
  }
  const Tensor& emb = state.at("src_tok_emb.weight");
  const bool shared = state.count("tgt_tok_emb.weight") == 0;
  TransformerSeq2Seq m(TransformerSeq2SeqOptions{.src_vocab_size = emb.size(0),
                                                 .tgt_vocab_size = state.at("generator.weight").size(0),
                                                 .d_model = emb.size(1),
                                                 .nhead = c.nhead,
                                                 .num_encoder_layers = c.encoder_layers,
                                                 .num_decoder_layers = c.decoder_layers,
                                                 .dim_feedforward = c.dim_feedforward,
                                                 .dropout = 0.0,
                                                 .share_embeddings = shared,
                                                 .max_positions = state.at("positions").size(0),
                                                 .pad_id = fixture().at(p + "pad_id").item<int64_t>()});
  m->to(kFloat64);
  // The sinusoidal table is computed (in float32), not loaded: compare it before loading the state.
  EXPECT_TRUE(allclose(m->positions, state.at("positions"), 1e-6, 1e-6));
  m->load_state_dict(state);
  const Tensor logits = m->forward(fixture().at(p + "src"), fixture().at(p + "tgt"));
  const Tensor& want = fixture().at(p + "logits");
  ASSERT_EQ(logits.shape(), want.shape());
  EXPECT_TRUE(allclose(logits, want, 1e-9, 1e-9)) << "max diff " << (logits - want).abs().max().item();
  logits.backward(fixture().at(p + "grad_out"));
  int checked = 0;
  for (const auto& [name, param] : m->named_parameters()) {
    const Tensor& g = fixture().at(p + "grad." + name);
    ASSERT_TRUE(param.grad().defined()) << name;
    EXPECT_TRUE(allclose(param.grad(), g, 1e-8, 1e-9))
        << name << " max diff " << (param.grad() - g).abs().max().item();
    ++checked;
  }
  EXPECT_GT(checked, 10);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Seq2SeqGolden, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

}  // namespace
}  // namespace strata::models
