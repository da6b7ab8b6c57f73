// nn::build_graph: layer lists and graphs from specs, blocks with parameters, repeats, shapes inferred from
// the input, and errors that name the node, where it was written and the shapes.
#include "strata/nn/graph_builder.h"

#include "strata/nn/container.h"
#include "test_util.h"

namespace strata::nn {
namespace {

NodeSpec layer(std::string op, ArgMap args = {}, std::string name = "", std::vector<std::string> from = {}) {
  return {.name = std::move(name),
          .op = std::move(op),
          .args = std::move(args),
          .from = std::move(from),
          .where = "m.yaml:1"};
}

std::string error_of(const GraphSpec& spec, const Shape& input) {
  try {
    build_graph(spec, {.input_shape = input});
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

void expect_parts(const std::string& text, const std::vector<std::string>& parts) {
  for (const auto& p : parts) EXPECT_NE(text.find(p), std::string::npos) << "'" << p << "' not in: " << text;
}

std::vector<std::string> parameter_names(const Module& m) {
  std::vector<std::string> out;
  for (const auto& [n, _] : m.named_parameters()) out.push_back(n);
  return out;
}

TEST(GraphBuilder, LayerListInfersInputSizes) {
  GraphSpec spec{.nodes = {layer("conv2d", {{"out", 4}, {"kernel", 3}}), layer("relu"), layer("flatten"),
                           layer("linear", {{"out", 10}})},
                 .sequential = true};
  BuiltModel built = build_graph(spec, {.input_shape = {1, 2, 5, 5}});
  auto seq = std::dynamic_pointer_cast<SequentialImpl>(built.module);
  ASSERT_TRUE(seq);
  EXPECT_EQ(built.output_shape, (Shape{1, 10}));
  EXPECT_EQ(parameter_names(*seq), (std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias"}));
  EXPECT_EQ(seq->parameters()[0].shape(), (Shape{4, 2, 3, 3}));  // in_channels 2 from the input
  EXPECT_EQ(seq->parameters()[2].shape(), (Shape{10, 36}));      // in_features 4 * 3 * 3
  EXPECT_EQ(built.where.at(seq->operator[](3).get()), "m.yaml:1");
}

TEST(GraphBuilder, PositionalAndShorthandArguments) {
  NodeSpec conv{.op = "conv2d", .positional = {ArgValue(3), ArgValue(8), ArgValue(3)}};
  NodeSpec fc{.op = "linear", .scalar = ArgValue(5)};  // the shorthand names `out`: `in` is inferred
  NodeSpec drop{.op = "dropout", .scalar = ArgValue(0.25)};
  GraphSpec spec{.nodes = {conv, layer("flatten"), drop, fc}, .sequential = true};
  BuiltModel built = build_graph(spec, {.input_shape = {2, 3, 4, 4}});
  EXPECT_EQ(built.output_shape, (Shape{2, 5}));
}

// A residual block with a parameter, used by a graph three times with repeat and once more by name.
GraphSpec residual_spec() {
  BlockSpec basic{.params = {{"channels", std::nullopt}},
                  .nodes = {layer("conv2d", {{"out", "$channels"}, {"kernel", 3}, {"padding", 1}}, "conv1"),
                            layer("relu", {}, "relu"),
                            layer("conv2d", {{"out", "$channels"}, {"kernel", 3}, {"padding", 1}}, "conv2"),
                            layer("add", {}, "sum", {"conv2", "input"})}};
  NodeSpec stage{
      .name = "layer1", .op = "basic", .args = {{"channels", 4}}, .repeat = 3, .where = "m.yaml:9"};
  return {.nodes = {layer("conv2d", {{"out", 4}, {"kernel", 1}}, "stem"), stage, layer("relu", {}, "out")},
          .blocks = {{"basic", basic}}};
}

TEST(GraphBuilder, BlocksRepeatAndNamesLikeTorchvision) {
  BuiltModel built = build_graph(residual_spec(), {.input_shape = {1, 3, 6, 6}});
  EXPECT_EQ(built.output_shape, (Shape{1, 4, 6, 6}));
  const auto names = parameter_names(*built.module);
  EXPECT_EQ(names.size(), 2u + 3 * 4);
  EXPECT_EQ(names[2], "layer1.0.conv1.weight");
  EXPECT_EQ(names.back(), "layer1.2.conv2.bias");
  // The built graph computes stem -> three residual blocks -> relu.
  manual_seed(0);
  const Tensor x = randn({2, 3, 6, 6});
  auto g = std::dynamic_pointer_cast<GraphImpl>(built.module);
  ASSERT_TRUE(g);
  const auto kids = g->children();
  Tensor h = kids[0]->forward(x);
  for (const auto& block : std::dynamic_pointer_cast<SequentialImpl>(kids[1])->children()) {
    const auto parts = block->children();
    h = parts[2]->forward(parts[1]->forward(parts[0]->forward(h))) + h;
  }
  EXPECT_TRUE(allclose((*g)(x), ops::relu(h), 1e-5, 1e-6));
}

TEST(GraphBuilder, UnnamedRepeatsInAChainAreNumberedOn) {
  BlockSpec unit{.nodes = {layer("linear", {{"out", 3}}, "fc")}};
  NodeSpec first{.op = "unit"}, rest{.op = "unit", .repeat = 2};
  GraphSpec spec{.nodes = {NodeSpec{.name = "layer2", .op = "sequential", .body = {first, rest}}},
                 .blocks = {{"unit", unit}}};
  BuiltModel built = build_graph(spec, {.input_shape = {1, 3}});
  EXPECT_EQ(parameter_names(*built.module),
            (std::vector<std::string>{"layer2.0.fc.weight", "layer2.0.fc.bias", "layer2.1.fc.weight",
                                      "layer2.1.fc.bias", "layer2.2.fc.weight", "layer2.2.fc.bias"}));
}

TEST(GraphBuilder, NodesMayBeWrittenInAnyOrder) {
  // "sum" is written before "right", which it reads: the graph runs every node after its inputs.
  GraphSpec spec{.nodes = {layer("linear", {{"out", 2}}, "left", {"input"}),
                           layer("add", {}, "sum", {"left", "right"}),
                           layer("linear", {{"out", 2}}, "right", {"input"})}};
  BuiltModel built = build_graph(spec, {.input_shape = {1, 5}});
  EXPECT_EQ(std::dynamic_pointer_cast<GraphImpl>(built.module)->node_names(),
            (std::vector<std::string>{"left", "right", "sum"}));
  EXPECT_EQ(built.output_shape, (Shape{1, 2}));
}

// Token ids are i64 until an embedding makes vectors of them: the dry run follows each value's dtype, so
// the layers after the embedding see floats.
TEST(GraphBuilder, DryRunFollowsDtypes) {
  GraphSpec spec{.nodes = {layer("embedding", {{"num_embeddings", 10}, {"embedding_dim", 4}}),
                           layer("flatten"), layer("linear", {{"out", 3}})},
                 .sequential = true};
  BuiltModel built = build_graph(spec, {.input_shape = {1, 5}, .input_dtype = kInt64});
  EXPECT_EQ(built.output_shape, (Shape{1, 3}));
  EXPECT_EQ(parameter_names(*built.module), (std::vector<std::string>{"0.weight", "2.weight", "2.bias"}));
  // A graph too: the embedded ids and a second embedding of them are added.
  GraphSpec graph{
      .nodes = {layer("embedding", {{"num_embeddings", 10}, {"embedding_dim", 4}}, "a", {"input"}),
                layer("embedding", {{"num_embeddings", 10}, {"embedding_dim", 4}}, "b", {"input"}),
                layer("add", {}, "sum", {"a", "b"})}};
  EXPECT_EQ(build_graph(graph, {.input_shape = {2, 5}, .input_dtype = kInt64}).output_shape,
            (Shape{2, 5, 4}));
}

TEST(GraphBuilder, WithoutAnInputShapeNothingIsInferred) {
  GraphSpec explicit_sizes{.nodes = {layer("linear", {{"in", 4}, {"out", 2}})}, .sequential = true};
  EXPECT_TRUE(build_graph(explicit_sizes).module);
  GraphSpec inferred{.nodes = {layer("linear", {{"out", 2}})}, .sequential = true};
  expect_parts(error_of(inferred, {}),
               {"m.yaml:1", "layer 'linear' needs argument 'in'", "input is unknown"});
}

TEST(GraphBuilder, Errors) {
  // A cycle names its nodes.
  GraphSpec cycle{.nodes = {layer("relu", {}, "a", {"b"}), layer("relu", {}, "b", {"a"})}};
  expect_parts(error_of(cycle, {1, 2}), {"m.yaml:1", "cycle: a -> b -> a"});
  // An unknown input lists the nodes there are.
  GraphSpec unknown{.nodes = {layer("relu", {}, "a", {"nope"})}};
  expect_parts(error_of(unknown, {1, 2}), {"node 'a' reads 'nope'", "nodes: input, a"});
  // A merge of mismatched shapes names the node and both shapes.
  GraphSpec mismatch{
      .nodes = {layer("linear", {{"out", 3}}, "fc"), layer("add", {}, "sum", {"fc", "input"})}};
  expect_parts(error_of(mismatch, {1, 5}),
               {"m.yaml:1", "layer 'add' (node 'sum') does not fit its inputs of shape [1, 3], [1, 5]",
                "[1, 3] and [1, 5]"});
  // Unknown layers get a suggestion; bad arguments name the node.
  GraphSpec typo{.nodes = {layer("rleu")}, .sequential = true};
  expect_parts(error_of(typo, {1, 2}), {"unknown layer 'rleu'", "did you mean 'relu'"});
  GraphSpec bad_arg{.nodes = {layer("linear", {{"out", "ten"}}, "fc")}};
  expect_parts(error_of(bad_arg, {1, 2}),
               {"node 'fc': layer 'linear' argument 'out' must be an integer, got 'ten'"});
  GraphSpec misspelt{.nodes = {layer("linear", {{"outt", 3}})}, .sequential = true};
  expect_parts(error_of(misspelt, {1, 2}), {"has no argument 'outt'", "did you mean 'out'"});
  // A block's missing parameter, an unknown parameter and an undefined $reference.
  GraphSpec spec = residual_spec();
  spec.nodes[1].args = {};
  expect_parts(error_of(spec, {1, 3, 6, 6}), {"m.yaml:9", "block 'basic' needs parameter 'channels'"});
  spec.nodes[1].args = {{"chanels", 4}};
  expect_parts(error_of(spec, {1, 3, 6, 6}), {"block 'basic' has no parameter 'chanels'"});
  spec = residual_spec();
  spec.blocks["basic"].nodes[0].args["out"] = "$width";
  expect_parts(error_of(spec, {1, 3, 6, 6}), {"refers to $width", "defined: $channels",
                                              "in block 'basic', used by node 'layer1' at m.yaml:9"});
  // A block may not use itself; a layer list cannot read other nodes.
  GraphSpec self{.nodes = {NodeSpec{.op = "loop"}},
                 .blocks = {{"loop", BlockSpec{.nodes = {NodeSpec{.op = "loop"}}}}}};
  expect_parts(error_of(self, {1, 2}), {"block 'loop' uses itself"});
  GraphSpec chain_from{.nodes = {layer("relu", {}, "", {"input"})}, .sequential = true};
  expect_parts(error_of(chain_from, {1, 2}), {"cannot have 'from'"});
  // A node that does not fit its input says so with the shape.
  GraphSpec misfit{.nodes = {layer("linear", {{"in", 7}, {"out", 2}})}, .sequential = true};
  expect_parts(error_of(misfit, {1, 5}), {"layer 'linear' (layer 0) does not fit its input of shape [1, 5]"});
}

}  // namespace
}  // namespace strata::nn
