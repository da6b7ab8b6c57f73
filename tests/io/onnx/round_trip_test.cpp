// Export then import: the zoo models, the recurrent layers and a Transformer encoder layer, written by
// onnx::export_model and read back by onnx::import_model, give strata's own outputs (eval mode), for several
// batch sizes of the dynamic batch axis.
#include <gtest/gtest.h>

#include "io/onnx_test_util.h"
#include "strata/autograd/grad_mode.h"
#include "strata/io/onnx.h"
#include "strata/models/zoo.h"
#include "strata/nn.h"
#include "test_util.h"

namespace strata {
namespace {

struct RoundTrip {
  std::string name;
  std::function<std::shared_ptr<nn::Module>()> make;
  Shape input;  // batch first
};

void PrintTo(const RoundTrip& r, std::ostream* os) { *os << r.name; }

std::vector<RoundTrip> cases() {
  const auto zoo = [](const std::string& name, models::ZooOptions o = {}) {
    return [name, o] { return models::create(name, o); };
  };
  models::ZooOptions grey;
  grey.in_channels = 1;
  return {
      {"mlp", zoo("mlp"), {3, 1, 28, 28}},
      {"lenet5", zoo("lenet5"), {3, 1, 28, 28}},
      {"resnet20", zoo("resnet20", grey), {2, 1, 28, 28}},
      {"mobilenet_v2", zoo("mobilenet_v2"), {2, 3, 32, 32}},
      {"lstm_batch_first_bidirectional",
       [] { return nn::LSTM(5, 7, {.num_layers = 2, .batch_first = true, .bidirectional = true}).ptr(); },
       {3, 4, 5}},
      {"gru", [] { return nn::GRU(5, 6).ptr(); }, {4, 3, 5}},
      {"transformer_encoder_layer",
       [] { return nn::TransformerEncoderLayer(8, 2, {.dim_feedforward = 16, .batch_first = true}).ptr(); },
       {3, 5, 8}},
  };
}

class OnnxRoundTrip : public ::testing::TestWithParam<RoundTrip> {};

// The first tensor a module returns (LSTM/GRU modules return their output sequence first).
Tensor first_output(nn::Module& m, const Tensor& x) { return m.forward(x); }

TEST_P(OnnxRoundTrip, ImportGivesTheExportedModelsOutputs) {
  const RoundTrip& c = GetParam();
  manual_seed(3);
  auto module = c.make();
  module->eval();
  testing::ScratchDir dir;
  const std::string path = dir.file(c.name + ".onnx");
  const Tensor example = randn(c.input);
  onnx::export_model(*module, {example}, path);
  auto imported = onnx::import_model(path);
  imported->eval();
  autograd::NoGradGuard no_grad;
  for (int64_t batch : {int64_t{1}, c.input[0]}) {
    const Tensor x = example.slice(0, 0, batch).contiguous();
    const Tensor expected = first_output(*module, x);
    const std::vector<Tensor> got = imported->forward(std::vector<Tensor>{x});
    testing::expect_onnx_close(got.at(0), expected, 1e-5, c.name);
  }
  // Every trainable tensor of the original comes back as a parameter of the imported model.
  EXPECT_EQ(imported->num_parameters(), module->num_parameters(true)) << c.name;
}

INSTANTIATE_TEST_SUITE_P(ZooAndRecurrent, OnnxRoundTrip, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

// A Transformer decoder layer with a causal mask input (two lengths) and BERT on padded token ids: the
// importer runs the nodes they export (Where, Range, Equal, ReduceMax masks, LayerNormalization).
TEST(OnnxRoundTripText, DecoderLayerAndBertGiveTheExportedModelsOutputs) {
  manual_seed(5);
  testing::ScratchDir dir;
  autograd::NoGradGuard no_grad;
  nn::TransformerDecoderLayer layer(8, 2, {.dim_feedforward = 16, .batch_first = true});
  layer->eval();
  onnx::ExportOptions opts;
  opts.dynamic_axes = {{"input_0", {{0, "batch"}, {1, "steps"}}},
                       {"input_1", {{0, "batch"}, {1, "keys"}}},
                       {"input_2", {{0, "steps"}, {1, "steps"}}},
                       {"output", {{0, "batch"}, {1, "steps"}}}};
  onnx::export_model(*layer, {randn({2, 5, 8}), randn({2, 6, 8}), nn::generate_square_subsequent_mask(5)},
                     dir.file("decoder_layer.onnx"), opts);
  auto imported = onnx::import_model(dir.file("decoder_layer.onnx"));
  imported->eval();
  for (int64_t T : {int64_t{5}, int64_t{3}}) {
    const Tensor tgt = randn({3, T, 8}), memory = randn({3, 4, 8}),
                 mask = nn::generate_square_subsequent_mask(T);
    const std::vector<Tensor> got = imported->forward(std::vector<Tensor>{tgt, memory, mask});
    testing::expect_onnx_close(got.at(0), layer->forward(tgt, memory, {.tgt_mask = mask}), 1e-5,
                               "decoder layer");
  }

  models::ZooOptions o;
  o.vocab_size = 20, o.d_model = 16, o.nhead = 2, o.max_positions = 12, o.num_classes = 3;
  auto bert = models::create("bert_classifier", o);
  bert->eval();
  Tensor ids = randint(1, 20, {3, 7});
  ids.set_at({0, 6}, 0), ids.set_at({0, 5}, 0);
  onnx::ExportOptions bopts;
  bopts.dynamic_axes = {{"input", {{0, "batch"}, {1, "length"}}}, {"output", {{0, "batch"}}}};
  onnx::export_model(*bert, {ids}, dir.file("bert.onnx"), bopts);
  auto bert_imported = onnx::import_model(dir.file("bert.onnx"));
  bert_imported->eval();
  for (const Tensor& x : {ids, ids.slice(1, 0, 4).contiguous()}) {
    const std::vector<Tensor> got = bert_imported->forward(std::vector<Tensor>{x});
    testing::expect_onnx_close(got.at(0), bert->forward(x), 1e-5, "bert_classifier");
  }
}

}  // namespace
}  // namespace strata
