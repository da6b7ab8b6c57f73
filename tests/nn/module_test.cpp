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
  b.load_state_dict(bad, /*strict=*/false);  // loads what matches
  EXPECT_TRUE(equal(a.fc->bias, b.fc->bias));
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
