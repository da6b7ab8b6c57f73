// Graph layers against their formulas written with dense PyTorch ops
// (tests/fixtures/graph_layers.safetensors, scripts/gen_fixtures_graph.py): outputs and gradients of x and of
// every parameter, under PyG's names.
#include "golden_util.h"
#include "strata/nn/activation.h"
#include "strata/nn/container.h"
#include "strata/nn/graph_conv.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

template <typename Make>
std::vector<GoldenCase> layer(const std::string& name, Make make) {
  return golden::f64_and_f32(name, [make](Case& c) {
    auto conv = make();
    c.load_parameters(*conv.ptr());
    return conv(c.in("x"), c.in("edge_index"));
  });
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      layer("gcn", [] { return nn::GCNConv(5, 3); }),
      layer("sage_mean", [] { return nn::SAGEConv(4, 3); }),
      layer("sage_max", [] { return nn::SAGEConv(4, 3, {.aggr = "max"}); }),
      layer("sage_mean_normalize", [] { return nn::SAGEConv(3, 4, {.normalize = true}); }),
      layer("gat_concat", [] { return nn::GATConv(4, 3, {.heads = 2}); }),
      layer("gat_mean", [] { return nn::GATConv(4, 3, {.heads = 3, .concat = false}); }),
      layer("gin",
            [] {
              return nn::GINConv(nn::Sequential(nn::Linear(3, 5), nn::ReLU(), nn::Linear(5, 2)),
                                 {.eps = 0.0, .train_eps = true});
            }),
  });
  return all;
}

STRATA_GOLDEN_TESTS(GraphConvGolden, "graph_layers.safetensors", cases);

}  // namespace
}  // namespace strata
