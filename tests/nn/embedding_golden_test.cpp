// nn::Embedding against PyTorch's nn.Embedding (tests/fixtures/nn.safetensors): lookups and weight
// gradients (repeated indices, padding rows that are nonzero yet get no gradient), and the default
// initialisation against PyTorch's statistics.
#include "layer_golden_util.h"

namespace strata::nn {
namespace {

struct EmbeddingCase {
  const char* name;
  int64_t num, dim;
  std::optional<int64_t> padding_idx;
};
const EmbeddingCase kCases[] = {
    {"embedding", 6, 3, std::nullopt},
    {"embedding_padding", 5, 4, 1},
    {"embedding_padding_negative", 5, 2, -1},
    {"embedding_f32", 7, 4, 3},
};

TEST(EmbeddingGolden, MatchesPyTorchForwardAndBackward) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    Embedding emb(c.num, c.dim, c.padding_idx);
    golden::expect_layer_matches(c.name, *emb, {"weight"});
  }
}

TEST(EmbeddingGolden, CoversEveryFixtureCase) {
  std::set<std::string> names;
  for (const auto& c : kCases) names.insert(c.name);
  golden::expect_layer_cases("embedding", names);
}

TEST(EmbeddingGolden, DefaultInitialisationMatchesPyTorch) {
  // PyTorch: weight ~ N(0, 1) with the padding row zeroed; the fixture holds its statistics for 1000 x 64.
  const auto& fx = golden::fixture(golden::kLayerFixture);
  const double torch_mean = fx.at("init.embedding_weight_mean").item();
  const double torch_std = fx.at("init.embedding_weight_std").item();
  manual_seed(11);
  Embedding emb(1000, 64, 3);
  // 64000 draws: the standard error of the mean is 0.004 and that of the std 0.003.
  EXPECT_NEAR(emb->weight.mean().item(), torch_mean, 0.02);
  EXPECT_NEAR(ops::std(emb->weight).item(), torch_std, 0.015);
  EXPECT_TRUE(golden::all_close(emb->weight.select(0, 3).to(kFloat64), fx.at("init.embedding_padding_row")));
}

}  // namespace
}  // namespace strata::nn
