// Graph configs from the CLI: blocks, repeats, inferred sizes, the shipped ResNet-20, and bad graphs that
// give one clear error line.
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "config.h"
#include "model_builder.h"
#include "strata/models/zoo.h"
#include "strata/nn/graph.h"

namespace strata::cli_test {
namespace {

// A small residual network on a slice of Fashion-MNIST; no layer states its input size.
constexpr const char* kGraphConfig = R"(name: tiny_graph
data:
  batch_size: 64
  limit: 1500
  test_limit: 500
model:
  blocks:
    res:
      params: [channels]
      graph:
        - {name: conv, conv2d: {out: $channels, kernel: 3, padding: 1}}
        - {name: bn, batchnorm2d: {}}
        - {name: sum, add: [bn, input]}
        - {name: act, relu: {}}
  graph:
    - {name: stem, conv2d: {out: 8, kernel: 3, padding: 1}}
    - {name: pool, maxpool2d: 2}
    - {name: blocks, res: 8, repeat: 2}
    - {name: pool2, maxpool2d: 2}
    - {name: flat, flatten: {}}
    - {name: fc, linear: 10}
optimizer: {name: adam, lr: 0.01}
training:
  epochs: 2
  seed: 1
  threads: 1
)";

class CliGraphTest : public CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    write("graph.yaml", kGraphConfig);
  }
  // The graph config with its `graph:` list replaced.
  void write_graph(const std::string& name, const std::string& graph) const {
    std::string text = kGraphConfig;
    const size_t a = text.find("  graph:\n    - {name: stem"), b = text.find("optimizer:");
    write(name, text.substr(0, a) + graph + text.substr(b));
  }
};

TEST_F(CliGraphTest, TrainsAndSummarises) {
  const CliResult summary = run({"summary", "-c", "graph.yaml"});
  ASSERT_EQ(summary.code, 0) << summary.err;
  for (const char* part :
       {"blocks.0.conv (Conv2d)", "blocks.1.sum (Add)", "[1, 8, 14, 14]", "fc (Linear)", "Total mult-adds"}) {
    EXPECT_NE(summary.out.find(part), std::string::npos) << part << "\n" << summary.out;
  }
  const CliResult train = run({"train", "-c", "graph.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(train.code, 0) << train.err;
  const nlohmann::json metrics = nlohmann::json::parse(lines_of(train.out).back());
  EXPECT_GT(metrics["test_accuracy"].get<double>(), 0.7);  // 1,500 images, 2 epochs: 0.78; chance 0.1
  // The resolved config reads back and fits its checkpoint.
  const CliResult eval = run({"eval", "-c", "run/config.yaml", "--checkpoint", "run/best.safetensors"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  const nlohmann::json again = nlohmann::json::parse(lines_of(eval.out).back());
  EXPECT_NEAR(again["test_accuracy"].get<double>(), metrics["test_accuracy"].get<double>(), 1e-6);
}

TEST_F(CliGraphTest, ShippedResNet20HasTheParametersOfThePaper) {
  const CliResult r = run({"summary", "-c", (configs_dir() / "fashion_resnet20.yaml").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  // 0.27 M parameters (He et al. 2016, table 6; 272,474 for 3 input channels, 272,186 for one), with
  // 1x1 projections where the width doubles.
  EXPECT_NE(r.out.find("Total params: 272186"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("layer2.0.downsample.0 (Conv2d)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("layer3.2.conv2 (Conv2d)"), std::string::npos) << r.out;
  // The graph's parameter names are torchvision's.
  const cli::Config c = cli::load_config((configs_dir() / "fashion_resnet20.yaml").string());
  const auto model = cli::build_model(c, Shape{1, 1, 28, 28});
  std::vector<std::string> names;
  for (const auto& [n, _] : model->named_parameters()) names.push_back(n);
  EXPECT_EQ(names.front(), "conv1.weight");
  EXPECT_EQ(names[3], "layer1.0.conv1.weight");
  EXPECT_EQ(names.back(), "fc.bias");
  EXPECT_TRUE(std::dynamic_pointer_cast<nn::GraphImpl>(model));
}

// The YAML graph and the zoo's C++ resnet20 are one network: the zoo's weights load strictly (same names,
// shapes and order) and give the same logits, in eval and in train mode.
TEST_F(CliGraphTest, ShippedResNet20EqualsTheZoosResNet20) {
  const cli::Config c = cli::load_config((configs_dir() / "fashion_resnet20.yaml").string());
  const auto graph = cli::build_model(c, Shape{2, 1, 28, 28});
  models::ZooOptions options;
  options.in_channels = 1;
  const auto zoo = models::create("resnet20", options);
  std::vector<std::string> graph_names, zoo_names;
  for (const auto& [n, t] : graph->state_dict()) graph_names.push_back(n + " " + t.shape().str());
  for (const auto& [n, t] : zoo->state_dict()) zoo_names.push_back(n + " " + t.shape().str());
  EXPECT_EQ(graph_names, zoo_names);
  const nn::LoadReport report = graph->load_state_dict(zoo->state_dict(), /*strict=*/true);
  EXPECT_TRUE(report.ok()) << report.str();
  Generator gen(3);
  const Tensor x = randn({2, 1, 28, 28}, {}, &gen);
  for (bool training : {false, true}) {
    graph->train(training);
    zoo->train(training);
    NoGradGuard no_grad;
    const Tensor a = graph->forward(x), b = zoo->forward(x);
    ASSERT_EQ(a.shape(), (Shape{2, 10}));
    EXPECT_TRUE(allclose(a, b, 1e-5, 1e-5)) << "training " << training;
  }
}

// A zoo model by name: its channels follow the data, its options are checked against the model.
TEST_F(CliGraphTest, ZooModelsByName) {
  write("zoo.yaml", R"(name: zoo
data: {batch_size: 50, limit: 300, test_limit: 100}
model: {zoo: resnet20, classes: 10}
optimizer: {name: adam, lr: 0.003}
training: {epochs: 1, seed: 1, threads: 1}
)");
  const CliResult summary = run({"summary", "-c", "zoo.yaml"});
  ASSERT_EQ(summary.code, 0) << summary.err;
  for (const char* part : {"Total params: 272186", "layer2.0.downsample.0 (Conv2d)", "fc (Linear)"}) {
    EXPECT_NE(summary.out.find(part), std::string::npos) << part << "\n" << summary.out;
  }
  const CliResult train = run({"train", "-c", "zoo.yaml", "--out", "run", "--no-progress"});
  ASSERT_EQ(train.code, 0) << train.err;
  const nlohmann::json metrics = nlohmann::json::parse(lines_of(train.out).back());
  const CliResult eval = run({"eval", "-c", "run/config.yaml", "--checkpoint", "run/best.safetensors"});
  ASSERT_EQ(eval.code, 0) << eval.err;
  const nlohmann::json again = nlohmann::json::parse(lines_of(eval.out).back());
  EXPECT_NEAR(again["test_accuracy"].get<double>(), metrics["test_accuracy"].get<double>(), 1e-6);

  write("typo.yaml", "model: {zoo: resnet21}\n");
  expect_error(run({"summary", "-c", "typo.yaml"}), {"typo.yaml:1:", "unknown zoo model 'resnet21'", "did you mean"});
  write("option.yaml", "model:\n  zoo: resnet20\n  width_mult: 0.5\n");
  expect_error(run({"summary", "-c", "option.yaml"}),
               {"option.yaml:3:", "field 'model.width_mult' does not apply to model 'resnet20'"});
  write("size.yaml", "model: {zoo: mobilenet_v2, width_mult: -1}\n");
  expect_error(run({"summary", "-c", "size.yaml"}), {"size.yaml:1:", "'model.width_mult' must be positive"});
}

TEST_F(CliGraphTest, LayerListsInferSizesAndKeepTheirNames) {
  write("list.yaml", R"(data: {limit: 100, test_limit: 100}
model:
  layers:
    - conv2d: {out: 4, kernel: 3}
    - {name: act, relu: {}}
    - flatten
    - {linear: 16, repeat: 1}
    - linear: 10
)");
  const cli::Config c = cli::load_config((dir_ / "list.yaml").string());
  const auto model = cli::build_model(c, Shape{1, 1, 28, 28});
  std::vector<std::string> names;
  for (const auto& [n, p] : model->named_parameters()) names.push_back(n + p.shape().str());
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight[4, 1, 3, 3]", "0.bias[4]", "3.weight[16, 2704]",
                                             "3.bias[16]", "4.weight[10, 16]", "4.bias[10]"}));
}

TEST_F(CliGraphTest, BadGraphsGiveOneClearLine) {
  // A cycle.
  write_graph("cycle.yaml",
              "  graph:\n    - {name: a, relu: {}, from: b}\n    - {name: b, relu: {}, from: a}\n");
  expect_error(run({"train", "-c", "cycle.yaml"}), {"cycle.yaml:16:", "cycle: a -> b -> a"});
  // An input that is no node.
  write_graph("unknown.yaml", "  graph:\n    - {name: a, relu: {}}\n    - {name: s, add: [a, nope]}\n");
  expect_error(run({"summary", "-c", "unknown.yaml"}), {"unknown.yaml:17:", "node 's' reads 'nope'"});
  // Mismatched shapes for add name the node and both shapes.
  write_graph("shapes.yaml",
              "  graph:\n    - {name: c, conv2d: {out: 3, kernel: 3}}\n    - {name: s, add: [c, input]}\n");
  expect_error(run({"summary", "-c", "shapes.yaml"}),
               {"shapes.yaml:17:", "layer 'add' (node 's')", "[1, 3, 26, 26] and [1, 1, 28, 28]"});
  // A block argument that is not one of its parameters, and a misspelt block.
  write_graph("param.yaml", "  graph:\n    - {name: b, res: {width: 8}}\n");
  expect_error(run({"summary", "-c", "param.yaml"}),
               {"param.yaml:16:", "block 'res' has no parameter 'width'"});
  write_graph("typo.yaml", "  graph:\n    - {name: b, rse: 8}\n");
  expect_error(run({"summary", "-c", "typo.yaml"}),
               {"typo.yaml:16:", "unknown layer 'rse'", "did you mean 'res'"});
  // Two types in one node; a graph with layers beside it.
  write_graph("two.yaml", "  graph:\n    - {relu: {}, tanh: {}}\n");
  expect_error(run({"summary", "-c", "two.yaml"}), {"two.yaml:16:", "one type, got 'relu' and 'tanh'"});
  write("both.yaml", "model:\n  layers: [relu]\n  graph: [relu]\n");
  expect_error(run({"summary", "-c", "both.yaml"}), {"both.yaml:2:", "exactly one of 'layers'"});
}

}  // namespace
}  // namespace strata::cli_test
