#include <sstream>

#include "strata/nn.h"
#include "test_util.h"

namespace strata::nn {
namespace {

// A hand-written module with a child, a parameter and a buffer.
class Block : public Module {
 public:
  Block() : Module("Block") {
    fc = register_module("fc", Linear(4, 3).ptr());
    scale = register_parameter("scale", ones({3}));
    count = register_buffer("count", zeros({1}, {.dtype = kInt64}));
  }
  Tensor forward(const Tensor& x) override { return fc->forward(x) * scale; }
  std::shared_ptr<LinearImpl> fc;
  Tensor scale, count;
};

TEST(Module, RegistersParametersBuffersAndChildren) {
  Block b;
  std::vector<std::string> names;
  for (auto& [n, t] : b.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"scale", "fc.weight", "fc.bias"}));
  EXPECT_EQ(b.num_parameters(), 3 + 12 + 3);
  const StateDict sd = b.state_dict();
  EXPECT_EQ(sd.size(), 4u);
  EXPECT_TRUE(sd.count("count"));
  for (const Tensor& p : b.parameters()) EXPECT_TRUE(p.requires_grad());
  EXPECT_THROW(b.register_parameter("scale", ones({1})), Error);
  EXPECT_THROW(b.register_parameter("a.b", ones({1})), Error);
}

TEST(Module, StateDictRoundTripAndStrictErrors) {
  manual_seed(1);
  Block a;
  manual_seed(2);
  Block b;
  EXPECT_FALSE(allclose(a.fc->weight, b.fc->weight));
  b.load_state_dict(a.state_dict());
  EXPECT_TRUE(equal(a.fc->weight, b.fc->weight));

  StateDict bad = a.state_dict();
  bad.erase("scale");
  bad["extra"] = ones({1});
  bad["fc.weight"] = ones({2, 2});
  try {
    b.load_state_dict(bad);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("missing: scale"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected: extra"), std::string::npos) << msg;
    EXPECT_NE(msg.find("fc.weight (checkpoint [2, 2], model [3, 4])"), std::string::npos) << msg;
  }
  const LoadReport report = b.load_state_dict(bad, /*strict=*/false);  // loads what matches
  EXPECT_TRUE(equal(a.fc->bias, b.fc->bias));
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.loaded, (std::vector<std::string>{"count", "fc.bias"}));
  EXPECT_EQ(report.missing, (std::vector<std::string>{"scale"}));
  EXPECT_EQ(report.unexpected, (std::vector<std::string>{"extra"}));
  ASSERT_EQ(report.mismatched.size(), 1u);
  EXPECT_EQ(report.mismatched[0].name, "fc.weight");
  EXPECT_EQ(report.mismatched[0].checkpoint, (Shape{2, 2}));
  EXPECT_EQ(report.mismatched[0].model, (Shape{3, 4}));
  EXPECT_EQ(report.str(), "missing: scale; unexpected: extra; mis-shaped: fc.weight (checkpoint [2, 2], model [3, 4])");
  EXPECT_TRUE(b.load_state_dict(a.state_dict()).ok());
}

TEST(Module, StrictLoadCopiesNothingWhenAnythingDiffers) {
  manual_seed(1);
  Block a;
  manual_seed(2);
  Block b;
  const Tensor before = b.fc->bias.clone();
  StateDict bad = a.state_dict();
  bad.erase("scale");
  EXPECT_THROW(b.load_state_dict(bad), Error);
  EXPECT_TRUE(equal(b.fc->bias, before));
}

// A small network with nested names: features.{0,2}.{weight,bias}, head.{weight,bias}.
Sequential nested() {
  Sequential features(Linear(4, 8), ReLU(), Linear(8, 8));
  Sequential net;
  net->push_back("features", features);
  net->push_back("head", Linear(8, 3));
  return net;
}

std::vector<std::string> trainable(const Module& m) {
  std::vector<std::string> out;
  for (const auto& [n, p] : m.named_parameters()) {
    if (p.requires_grad()) out.push_back(n);
  }
  return out;
}

TEST(Module, FreezeAndUnfreezeByGlob) {
  Sequential net = nested();
  EXPECT_EQ(net->freeze("features.*"), 4);
  EXPECT_EQ(trainable(*net), (std::vector<std::string>{"head.weight", "head.bias"}));
  EXPECT_EQ(net->num_parameters(true), 8 * 3 + 3);
  EXPECT_EQ(net->unfreeze("*.2.weight"), 1);  // '*' spans dots
  EXPECT_EQ(trainable(*net), (std::vector<std::string>{"features.2.weight", "head.weight", "head.bias"}));
  EXPECT_EQ(net->freeze("head.bia?"), 1);
  EXPECT_EQ(net->freeze(), 6);
  EXPECT_TRUE(trainable(*net).empty());
  EXPECT_EQ(net->unfreeze(), 6);
  EXPECT_EQ(trainable(*net).size(), 6u);
  EXPECT_EQ(net->parameter_names("features.0.*"), (std::vector<std::string>{"features.0.weight", "features.0.bias"}));
  EXPECT_TRUE(net->parameter_names("nothing*").empty());
}

TEST(Module, FrozenParametersGetNoGradientAndLoseStaleOnes) {
  Sequential net = nested();
  const Tensor x = randn({2, 4});
  net(x).sum().backward();
  auto features = std::dynamic_pointer_cast<SequentialImpl>((*net)[0]);
  const Tensor w0 = (*features)[0]->named_parameters()[0].second;
  ASSERT_TRUE(w0.grad().defined());
  net->freeze("features.*");
  EXPECT_FALSE(w0.grad().defined());  // dropped, so no optimiser can apply it
  net->zero_grad();
  net(x).sum().backward();
  EXPECT_FALSE(w0.grad().defined());
  for (const auto& [n, p] : net->named_parameters()) EXPECT_EQ(p.grad().defined(), n.rfind("head.", 0) == 0) << n;
}

TEST(Module, FreezeErrorsNameThePatternAndTheParameters) {
  Sequential net = nested();
  try {
    net->freeze("feature.*");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "freeze: pattern 'feature.*' matches no parameter of Sequential (its parameters: features.0.weight, "
              "features.0.bias, features.2.weight, features.2.bias, head.weight, head.bias)");
  }
  EXPECT_THROW(net->unfreeze("head"), Error);  // a module's name is not one of its parameters
  EXPECT_EQ(trainable(*net).size(), 6u);
}

TEST(Module, ReplaceSwapsAChildAnywhereAndSequentialRunsIt) {
  manual_seed(0);
  Sequential net = nested();
  const Tensor x = randn({2, 4});
  auto head = Linear(8, 5);
  const auto old = net->replace("head", head);
  EXPECT_EQ(old->type_name(), "Linear");
  EXPECT_EQ(net(x).shape(), (Shape{2, 5}));
  EXPECT_EQ(net->parameter_names("head.*"), (std::vector<std::string>{"head.weight", "head.bias"}));
  EXPECT_TRUE(equal(net->state_dict().at("head.weight"), head->weight));

  // Deep in the tree: the ReLU becomes an Tanh, and the output follows.
  net->replace("features.1", Tanh());
  auto features = std::dynamic_pointer_cast<SequentialImpl>((*net)[0]);
  EXPECT_EQ((*features)[1]->type_name(), "Tanh");
  const Tensor h = (*features)[2]->forward(ops::tanh((*features)[0]->forward(x)));
  EXPECT_TRUE(allclose(net(x), head(h)));
}

TEST(Module, ReplaceErrorsNameTheMissingPathAndTheChildren) {
  Sequential net = nested();
  try {
    net->replace("features.5", ReLU());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "replace: no module 'features.5' in Sequential; 'features' (Sequential) has children: 0, 1, 2");
  }
  try {
    net->replace("fc", ReLU());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "replace: no module 'fc' in Sequential; the root Sequential has children: features, head");
  }
  EXPECT_THROW(net->replace("head.weight", ReLU()), Error);  // a parameter is not a module
  EXPECT_THROW(net->replace("", ReLU()), Error);
  EXPECT_THROW(net->replace("head", nullptr), Error);
}

TEST(Module, TrainEvalPropagatesAndZeroGrad) {
  Sequential net(Linear(4, 8), Dropout(0.5), ReLU(), Linear(8, 2));
  net->eval();
  for (auto& [n, m] : net->named_modules()) EXPECT_FALSE(m->is_training()) << n;
  net->train();
  EXPECT_TRUE((*net)[1]->is_training());
  Tensor x = randn({5, 4});
  net(x).sum().backward();
  for (const Tensor& p : net->parameters()) EXPECT_TRUE(p.grad().defined());
  net->zero_grad();
  for (const Tensor& p : net->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Module, ToDtypeKeepsHandlesValid) {
  Linear fc(3, 2);
  Tensor w = fc->weight;
  fc->to(kFloat64);
  EXPECT_EQ(w.dtype(), kFloat64);
  EXPECT_EQ(fc->weight.dtype(), kFloat64);
  EXPECT_EQ(fc(randn({1, 3}, {.dtype = kFloat64})).dtype(), kFloat64);
}

TEST(Module, PrintsAndSummarises) {
  Sequential net(Flatten(), Linear(4, 3), ReLU(), Linear(3, 2, false));
  std::ostringstream os;
  os << *net;
  EXPECT_EQ(
      os.str(),
      "Sequential(\n  (0): Flatten(start_dim=1, end_dim=-1)\n  (1): Linear(in_features=4, out_features=3, "
      "bias=true)\n  (2): ReLU()\n  (3): Linear(in_features=3, out_features=2, bias=false)\n)");
  const std::string s = summary(*net, {1, 2, 2});
  EXPECT_NE(s.find("1 (Linear)"), std::string::npos) << s;
  EXPECT_NE(s.find("[1, 3]"), std::string::npos) << s;
  EXPECT_NE(s.find("Total params: 21"), std::string::npos) << s;
}

TEST(Containers, ListDictAndIndexErrors) {
  ModuleList list;
  list->push_back(Linear(2, 2));
  list->push_back(ReLU());
  EXPECT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1]->type_name(), "ReLU");
  EXPECT_THROW((*list)[2], Error);
  ModuleDict dict;
  dict->insert("enc", Linear(2, 3));
  EXPECT_TRUE(dict->contains("enc"));
  EXPECT_EQ(dict->num_parameters(), 9);
  EXPECT_THROW((*dict)["dec"], Error);
  Sequential seq;
  EXPECT_THROW((*seq)[0], Error);
}

}  // namespace
}  // namespace strata::nn
