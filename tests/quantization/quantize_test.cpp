// quantize(): calibration statistics, the per-layer fallback, ReLU fusion and u8 hand-over, the quantised
// file's round trip, and errors.
#include "strata/quantization/quantize.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "../test_util.h"
#include "strata/data.h"
#include "strata/io/safetensors.h"
#include "strata/models/resnet.h"
#include "strata/nn.h"
#include "strata/quantization/layers.h"
#include "strata/strata.h"

namespace strata {
namespace {

using quantization::CalibrationMethod;
using quantization::QuantOptions;
using quantization::RangeObserver;

TEST(RangeObserver, MinMaxAndPercentile) {
  RangeObserver r;
  Tensor a = arange(0, 1000, 1);  // 0 .. 999
  r.observe(a);
  r.observe(full({4}, -20.0));
  EXPECT_FLOAT_EQ(r.min(), -20.f);
  EXPECT_FLOAT_EQ(r.max(), 999.f);
  EXPECT_TRUE(r.is_signed());
  EXPECT_EQ(r.count(), 1004);
  EXPECT_FLOAT_EQ(r.scale(CalibrationMethod::MinMax, 99.99), 999.f / 127.f);
  // Sample: 0..999 and four 20s; the 50th percentile of |x| sits near 497.
  EXPECT_NEAR(r.abs_percentile(50), 497.5, 2.0);
  EXPECT_NEAR(r.scale(CalibrationMethod::Percentile, 50), r.abs_percentile(50) / 127.f, 1e-4);
  RangeObserver u;
  u.observe(full({3}, 2.55));
  EXPECT_FALSE(u.is_signed());
  EXPECT_NEAR(u.scale(CalibrationMethod::MinMax, 99.99), 0.01, 1e-7);
  EXPECT_NE(testing::error_of([] {
              RangeObserver().scale(CalibrationMethod::MinMax, 99);
            }).find("nothing observed"),
            std::string::npos);
  EXPECT_EQ(quantization::parse_calibration_method("percentile"), CalibrationMethod::Percentile);
  EXPECT_NE(
      testing::error_of([] { quantization::parse_calibration_method("kl"); }).find("minmax or percentile"),
      std::string::npos);
}

// A small trained-looking classifier: conv - relu - conv - relu - flatten - linear - relu - linear.
nn::Sequential small_net() {
  manual_seed(11);
  return nn::Sequential(nn::Conv2d(1, 4, 3, {.padding = 1}), nn::ReLU(), nn::Conv2d(4, 4, 3, {.padding = 1}),
                        nn::ReLU(), nn::Flatten(), nn::Linear(4 * 6 * 6, 16), nn::ReLU(), nn::Linear(16, 16),
                        nn::ReLU(), nn::Linear(16, 3));
}

std::shared_ptr<data::TensorDataset> blobs(int64_t n, uint64_t seed) {
  Generator g(seed);
  Tensor x = randn({n, 1, 6, 6}, {}, &g);
  Tensor y = randint(0, 3, {n}, {.dtype = kInt64}, &g);
  return std::make_shared<data::TensorDataset>(x, y);
}

TEST(Quantize, KeepsEveryLayerWhenAskedAndFusesRelus) {
  nn::Sequential net = small_net();
  net->eval();
  data::DataLoader calib(blobs(64, 1), {.batch_size = 16});
  const Tensor x = randn({8, 1, 6, 6});
  const Tensor before = net(x);
  const auto report =
      quantization::quantize(*net, calib, {.calibration_samples = 32, .require_faster = false});
  ASSERT_EQ(report.layers.size(), 5u);
  for (const auto& l : report.layers) {
    EXPECT_TRUE(l.int8) << l.name << " " << l.reason;
    EXPECT_GT(l.f32_ms, 0);
    EXPECT_GT(l.int8_ms, 0);
  }
  EXPECT_TRUE(report.layers[0].input_signed);   // raw inputs have negatives
  EXPECT_FALSE(report.layers[1].input_signed);  // after a ReLU
  EXPECT_TRUE(report.layers[0].u8_output);      // conv -> relu -> conv hands over u8
  EXPECT_FALSE(report.layers[1].u8_output);     // a Flatten follows
  EXPECT_TRUE(report.layers[2].u8_output);
  EXPECT_TRUE(report.layers[3].u8_output);
  EXPECT_FALSE(report.layers[4].u8_output);
  EXPECT_EQ((*net)[0]->type_name(), "QuantizedConv2d");
  EXPECT_EQ((*net)[1]->type_name(), "Identity");
  const Tensor after = net(x);
  ASSERT_EQ(after.dtype(), kFloat32);
  // int8 noise only: the outputs stay close to the float model's.
  const std::vector<float> a = after.to_vector<float>(), b = before.to_vector<float>();
  float diff = 0, peak = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(a[i] - b[i]));
    peak = std::max(peak, std::fabs(b[i]));
  }
  EXPECT_LT(diff, 0.05f * peak + 0.02f);
}

TEST(Quantize, FallsBackLayerByLayerToMeetTheAccuracyBudget) {
  nn::Sequential net = small_net();
  data::DataLoader calib(blobs(64, 1), {.batch_size = 16});
  data::DataLoader val(blobs(200, 2), {.batch_size = 50});
  // A negative budget can only be met by the float model: every layer must return to f32.
  const auto report = quantization::quantize(
      *net, calib, {.validation = &val, .accuracy_budget = -1.0, .require_faster = false});
  for (const auto& l : report.layers) {
    EXPECT_FALSE(l.int8) << l.name;
    EXPECT_EQ(l.reason, "accuracy");
  }
  EXPECT_DOUBLE_EQ(report.f32_accuracy, report.int8_accuracy);
  EXPECT_EQ((*net)[0]->type_name(), "Conv2d");
  EXPECT_EQ((*net)[1]->type_name(), "ReLU");
}

TEST(Quantize, ZooResNetBlocksAreQuantisedAndItsStemStaysFloat) {
  // The zoo's resnet20 keeps its block layers in BasicBlock members: quantize swaps them (the block then
  // runs its children by name); the stem and fc are ResNet members outside any Sequential and stay f32.
  manual_seed(2);
  models::ResNet net = models::resnet20({.num_classes = 3, .in_channels = 1});
  net->eval();
  data::DataLoader calib(blobs(8, 1), {.batch_size = 8});
  const Tensor x = blobs(8, 1)->inputs().slice(0, 0, 4);
  const Tensor before = net(x);
  const auto report =
      quantization::quantize(*net, calib, {.calibration_samples = 8, .require_faster = false});
  int64_t block_convs = 0;
  bool stem_outside = false;
  for (const auto& l : report.layers) {
    if (l.name.find("layer") == 0 && l.name.find("downsample") == std::string::npos) {
      EXPECT_TRUE(l.int8) << l.name;
      ++block_convs;
      if (l.name.ends_with("conv1")) {
        EXPECT_TRUE(l.u8_output) << l.name;  // conv1 - bn1 - relu -> conv2
      }
    }
    if (l.name == "conv1") stem_outside = !l.int8 && l.reason == "not in a Sequential or Graph";
  }
  EXPECT_EQ(block_convs, 18);
  EXPECT_TRUE(stem_outside);
  std::map<std::string, std::string> types;
  for (auto& [name, m] : net->named_modules()) types[name] = std::string(m->type_name());
  EXPECT_EQ(types["layer2.1.conv2"], "QuantizedConv2d");
  EXPECT_EQ(types["layer2.1.bn1"], "Identity");
  EXPECT_EQ(types["layer2.1.relu"], "Identity");
  const std::vector<float> a = net(x).to_vector<float>(), b = before.to_vector<float>();
  float diff = 0, peak = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(a[i] - b[i]));
    peak = std::max(peak, std::fabs(b[i]));
  }
  EXPECT_LT(diff, 0.1f * peak);

  const std::string path = ::testing::TempDir() + "/q_zoo_resnet.safetensors";
  quantization::save_quantized(*net, path);
  manual_seed(2);
  models::ResNet fresh = models::resnet20({.num_classes = 3, .in_channels = 1});
  quantization::load_quantized(*fresh, path);
  EXPECT_EQ(fresh(x).to_vector<float>(), a);
  std::remove(path.c_str());
}

// A residual block as a graph: conv - bn - relu - conv - bn, plus the input, then relu; batch norms with
// running statistics that are not the identity.
nn::Graph residual_graph() {
  manual_seed(12);
  nn::Graph g;
  g->add("conv1", nn::Conv2d(3, 8, 3, {.padding = 1, .bias = false}));
  g->add("bn1", nn::BatchNorm2d(8));
  g->add("relu1", nn::ReLU());
  g->add("conv2", nn::Conv2d(8, 3, 3, {.padding = 1, .bias = false}));
  g->add("bn2", nn::BatchNorm2d(3));
  g->add("sum", nn::Add(), {"bn2", "input"});
  g->add("relu2", nn::ReLU());
  Generator gen(13);
  autograd::NoGradGuard no_grad;
  for (size_t k : {size_t{1}, size_t{4}}) {
    for (auto& [name, t] : g->named_children()[k].second->state_dict()) {
      if (name == "running_var" || name == "weight") t.copy_(rand(t.shape(), {}, &gen) + 0.5);
      if (name == "running_mean" || name == "bias") t.copy_(randn(t.shape(), {}, &gen) * 0.3);
    }
  }
  g->eval();
  return g;
}

TEST(Quantize, FoldsBatchNormsInGraphsAndHandsOverU8) {
  nn::Graph g = residual_graph();
  Generator gen(14);
  auto data =
      std::make_shared<data::TensorDataset>(randn({64, 3, 6, 6}, {}, &gen), zeros({64}, {.dtype = kInt64}));
  data::DataLoader calib(data, {.batch_size = 16});
  const Tensor x = randn({4, 3, 6, 6}, {}, &gen);
  const Tensor before = g(x);
  const auto report = quantization::quantize(*g, calib, {.calibration_samples = 64, .require_faster = false});
  ASSERT_EQ(report.layers.size(), 2u);
  EXPECT_TRUE(report.layers[0].int8 && report.layers[1].int8);
  EXPECT_TRUE(report.layers[0].relu);
  EXPECT_TRUE(report.layers[0].u8_output);  // conv1 - bn1 - relu1 is read by conv2 alone
  EXPECT_FALSE(report.layers[1].relu);      // bn2 is read by the sum, whose ReLU is not conv2's alone
  EXPECT_EQ(g->named_children()[1].second->type_name(), "Identity");  // bn1 folded away
  EXPECT_EQ(g->named_children()[4].second->type_name(), "Identity");  // bn2 too
  const Tensor after = g(x);
  const std::vector<float> a = after.to_vector<float>(), b = before.to_vector<float>();
  float diff = 0, peak = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(a[i] - b[i]));
    peak = std::max(peak, std::fabs(b[i]));
  }
  EXPECT_LT(diff, 0.05f * peak);

  const std::string path = ::testing::TempDir() + "/q_graph.safetensors";
  quantization::save_quantized(*g, path);
  nn::Graph fresh = residual_graph();
  quantization::load_quantized(*fresh, path);
  EXPECT_EQ(fresh(x).to_vector<float>(), after.to_vector<float>());
  std::remove(path.c_str());
}

TEST(Quantize, FusedResidualJoinRoundTripsThroughTheFile) {
  // A residual block whose conv2 - bn2 - sum - relu2 runs as one QuantizedConv2dAdd (what quantize installs
  // where the fused join is faster) saves and loads as such.
  nn::Graph g = residual_graph();
  Generator gen(16);
  auto data =
      std::make_shared<data::TensorDataset>(randn({32, 3, 6, 6}, {}, &gen), zeros({32}, {.dtype = kInt64}));
  data::DataLoader calib(data, {.batch_size = 16});
  const Tensor x = randn({4, 3, 6, 6}, {}, &gen);
  const Tensor before = g(x);
  quantization::quantize(*g, calib, {.calibration_samples = 32, .require_faster = false});
  auto conv2 = std::dynamic_pointer_cast<quantization::QuantizedConv2dImpl>(g->named_children()[3].second);
  if (conv2) {  // the timing kept the join unfused: fuse it by hand
    QuantOptions q = conv2->quant;
    q.residual = q.relu = true;
    auto fused = std::make_shared<quantization::QuantizedConv2dImpl>(
        conv2->in_channels, conv2->out_channels, conv2->kernel_size, conv2->options, conv2->weight,
        conv2->weight_scale, conv2->bias, q);
    g->replace("conv2", nn::Identity().ptr());
    g->replace("sum", std::make_shared<quantization::QuantizedConv2dAddImpl>(fused, 0));
    g->replace("relu2", nn::Identity().ptr());
  }
  EXPECT_EQ(g->named_children()[5].second->type_name(), "QuantizedConv2dAdd");
  const Tensor after = g(x);
  const std::vector<float> a = after.to_vector<float>(), b = before.to_vector<float>();
  float diff = 0, peak = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs(a[i] - b[i]));
    peak = std::max(peak, std::fabs(b[i]));
  }
  EXPECT_LT(diff, 0.05f * peak);
  const std::string path = ::testing::TempDir() + "/q_join.safetensors";
  quantization::save_quantized(*g, path);
  nn::Graph fresh = residual_graph();
  quantization::load_quantized(*fresh, path);
  EXPECT_EQ(fresh->named_children()[5].second->type_name(), "QuantizedConv2dAdd");
  EXPECT_EQ(fresh(x).to_vector<float>(), a);
  std::remove(path.c_str());
}

TEST(Quantize, LinearsOnSequencesStayFloat) {
  manual_seed(15);
  nn::Sequential net(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 2));
  auto data = std::make_shared<data::TensorDataset>(randn({16, 5, 4}), zeros({16}, {.dtype = kInt64}));
  data::DataLoader calib(data, {.batch_size = 8});
  const auto report = quantization::quantize(*net, calib, {.require_faster = false});
  for (const auto& l : report.layers) {
    EXPECT_FALSE(l.int8);
    EXPECT_NE(l.reason.find("int8 Linear takes [N, in]"), std::string::npos) << l.reason;
  }
  EXPECT_EQ((*net)[0]->type_name(), "Linear");
}

TEST(Quantize, SavedFileRoundTripsWithI8Weights) {
  nn::Sequential net = small_net();
  data::DataLoader calib(blobs(64, 1), {.batch_size = 16});
  quantization::quantize(*net, calib, {.calibration_samples = 32, .require_faster = false});
  const std::string path = ::testing::TempDir() + "/q_roundtrip.safetensors";
  quantization::save_quantized(*net, path);
  EXPECT_TRUE(quantization::is_quantized_file(path));
  const io::SafetensorsFile file = io::read_safetensors(path);
  EXPECT_TRUE(file.int8.count("0.weight"));
  EXPECT_TRUE(file.int8.count("9.weight"));
  EXPECT_EQ(file.tensors.at("0.weight_scale").dtype(), kFloat32);

  nn::Sequential fresh = small_net();
  quantization::load_quantized(*fresh, path);
  EXPECT_EQ((*fresh)[0]->type_name(), "QuantizedConv2d");
  const Tensor x = randn({5, 1, 6, 6});
  net->eval();
  fresh->eval();
  EXPECT_EQ(net(x).to_vector<float>(), fresh(x).to_vector<float>());
  std::remove(path.c_str());
}

TEST(Quantize, FloatLayersWithInt8ValuedWeightsAreStoredAsI8) {
  // A layer kept f32 for speed has its weights rounded to q * s (per output channel); the file stores those
  // as I8 plus scales, and loading gives the same f32 weights back.
  nn::Sequential net = small_net();
  net->eval();
  auto& last = static_cast<nn::LinearImpl&>(*(*net)[9]);
  {
    autograd::NoGradGuard no_grad;
    float* w = last.weight.data_ptr<float>();
    for (int64_t o = 0; o < 3; ++o)
      for (int64_t i = 0; i < 16; ++i)  // q * s with s = (o + 1) / 64: exact in f32, and 127 in each row
        w[o * 16 + i] =
            static_cast<float>(i == 0 ? 127 : (i * 37 + o) % 255 - 127) * static_cast<float>(o + 1) / 64.f;
  }
  const std::string path = ::testing::TempDir() + "/q_int8_weights.safetensors";
  quantization::save_quantized(*net, path);
  const io::SafetensorsFile file = io::read_safetensors(path);
  EXPECT_TRUE(file.int8.count("9.weight"));
  EXPECT_EQ(file.tensors.at("9.weight_scale").numel(), 3);
  nn::Sequential fresh = small_net();
  quantization::load_quantized(*fresh, path);
  EXPECT_EQ((*fresh)[9]->type_name(), "Linear");
  EXPECT_EQ(static_cast<nn::LinearImpl&>(*(*fresh)[9]).weight.to_vector<float>(),
            last.weight.to_vector<float>());
  const Tensor x = randn({5, 1, 6, 6});
  EXPECT_EQ(net(x).to_vector<float>(), fresh(x).to_vector<float>());
  // A float weight that int8 does not represent stays F32.
  net->replace("9", nn::Linear(16, 3).ptr());
  quantization::save_quantized(*net, path);
  EXPECT_FALSE(io::read_safetensors(path).int8.count("9.weight"));
  std::remove(path.c_str());
}

TEST(Quantize, ErrorsNameTheProblem) {
  // A model with nothing to quantise.
  nn::Sequential only_relu{nn::ReLU()};
  data::DataLoader calib(blobs(8, 1), {.batch_size = 8});
  EXPECT_NE(testing::error_of([&] { quantization::quantize(*only_relu, calib); }).find("no Conv2d or Linear"),
            std::string::npos);
  // A float checkpoint is not a quantised model.
  const std::string plain = ::testing::TempDir() + "/q_plain.safetensors";
  nn::Sequential net = small_net();
  io::save_safetensors(plain, net->state_dict());
  EXPECT_FALSE(quantization::is_quantized_file(plain));
  EXPECT_NE(
      testing::error_of([&] { quantization::load_quantized(*net, plain); }).find("not a quantised model"),
      std::string::npos);
  // A truncated file.
  const std::string bad = ::testing::TempDir() + "/q_bad.safetensors";
  std::ofstream(bad) << "garbage";
  EXPECT_FALSE(quantization::is_quantized_file(bad));
  EXPECT_NE(testing::error_of([&] { quantization::load_quantized(*net, bad); }).find(bad), std::string::npos);
  // A quantised file for another architecture.
  nn::Sequential q = small_net();
  quantization::quantize(*q, calib, {.calibration_samples = 8, .require_faster = false});
  const std::string qpath = ::testing::TempDir() + "/q_other.safetensors";
  quantization::save_quantized(*q, qpath);
  nn::Sequential other(nn::Linear(3, 3));
  EXPECT_NE(testing::error_of([&] { quantization::load_quantized(*other, qpath); }).find(qpath),
            std::string::npos);
  std::remove(plain.c_str());
  std::remove(bad.c_str());
  std::remove(qpath.c_str());
}

}  // namespace
}  // namespace strata
