// Golden tests for RNN / LSTM / GRU and their cells against PyTorch (scripts/gen_fixtures_rnn.py): outputs,
// final states and the gradients of the input, the initial states and every parameter, with packed
// (variable-length, unsorted) batches in both directions; plus a PyTorch state_dict loaded unchanged.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "strata/io/safetensors.h"
#include "strata/nn/rnn.h"
#include "strata/strata.h"

namespace strata {
namespace {

const std::map<std::string, Tensor>& fixture(const std::string& file) {
  static std::map<std::string, std::map<std::string, Tensor>> cache;
  auto it = cache.find(file);
  if (it == cache.end())
    it = cache.emplace(file, io::load_safetensors(std::string(STRATA_FIXTURES_DIR) + "/" + file)).first;
  return it->second;
}

// Values within tolerance: f64 runs the same algorithm as PyTorch up to rounding; f32 also differs in
// the exp/tanh approximations and summation order across steps and layers.
::testing::AssertionResult close(const Tensor& got, const Tensor& want) {
  if (!got.defined()) return ::testing::AssertionFailure() << "is undefined";
  if (got.shape() != want.shape())
    return ::testing::AssertionFailure() << "has shape " << got.shape() << ", PyTorch's has " << want.shape();
  if (got.dtype() != want.dtype())
    return ::testing::AssertionFailure() << "has dtype " << got.dtype() << ", PyTorch's has " << want.dtype();
  const bool f32 = want.dtype() == kFloat32;
  const double rtol = f32 ? 1e-4 : 1e-9, atol = f32 ? 1e-5 : 1e-11;
  const auto g = got.to_vector<double>(), w = want.to_vector<double>();
  int64_t bad = 0;
  std::string detail;
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::abs(g[i] - w[i]) <= atol + rtol * std::abs(w[i])) continue;
    if (bad++ < 5) detail += fmt::format("\n  flat index {}: strata {:.17g}, PyTorch {:.17g}", i, g[i], w[i]);
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << g.size() << " elements differ" << detail;
}

// One fixture case: hands out tensors and remembers which were checked.
class Case {
 public:
  explicit Case(std::string name) : tensors_(fixture("rnn.safetensors")), name_(std::move(name)) {
    STRATA_CHECK(tensors_.count(name_ + ".x"), "no fixture case {}", name_);
  }
  bool has(const std::string& part) const { return tensors_.count(name_ + "." + part) > 0; }
  Tensor get(const std::string& part) {
    auto it = tensors_.find(name_ + "." + part);
    STRATA_CHECK(it != tensors_.end(), "fixture has no tensor {}.{}", name_, part);
    used_.insert(it->first);
    return it->second;
  }
  // The parameters as a state dict under their PyTorch names.
  nn::StateDict params() {
    nn::StateDict sd;
    const std::string prefix = name_ + ".param.";
    for (auto it = tensors_.lower_bound(prefix); it != tensors_.end() && it->first.starts_with(prefix);
         ++it) {
      sd[it->first.substr(prefix.size())] = it->second;
      used_.insert(it->first);
    }
    return sd;
  }
  void expect_all_used() const {
    const std::string prefix = name_ + ".";
    for (auto it = tensors_.lower_bound(prefix); it != tensors_.end() && it->first.starts_with(prefix); ++it)
      EXPECT_TRUE(used_.count(it->first)) << "fixture tensor " << it->first << " was not checked";
  }
  const std::string& name() const { return name_; }

 private:
  const std::map<std::string, Tensor>& tensors_;
  std::string name_;
  std::set<std::string> used_;
};

struct Inputs {
  Tensor x, h0, c0, lengths;
};
struct Results {
  Tensor out, h_n, c_n;
};
using Runner = std::function<Results(nn::Module&, const Inputs&)>;

// Loads the case's parameters into `module`, runs it, and checks results and all gradients.
void check_case(const std::string& name, const std::shared_ptr<nn::Module>& module, const Runner& run) {
  SCOPED_TRACE(name);
  Case c(name);
  Inputs in;
  in.x = c.get("x").detach().requires_grad_();
  module->to(in.x.dtype());
  module->load_state_dict(c.params());
  if (c.has("h0")) in.h0 = c.get("h0").detach().requires_grad_();
  if (c.has("c0")) in.c0 = c.get("c0").detach().requires_grad_();
  if (c.has("lengths")) in.lengths = c.get("lengths");
  const Results r = run(*module, in);
  Tensor loss = scalar_tensor(0.0, {.dtype = in.x.dtype()});
  for (const auto& [part, got] : {std::pair{"out", r.out}, {"h_n", r.h_n}, {"c_n", r.c_n}}) {
    if (!c.has(part)) {
      EXPECT_FALSE(got.defined()) << part;
      continue;
    }
    EXPECT_TRUE(close(got, c.get(part))) << "result " << part;
    loss = loss + (got * c.get(std::string("grad_") + part)).sum();
  }
  loss.backward();
  EXPECT_TRUE(close(in.x.grad(), c.get("grad_x"))) << "gradient of x";
  if (in.h0.defined()) {
    EXPECT_TRUE(close(in.h0.grad(), c.get("grad_h0"))) << "gradient of h0";
  }
  if (in.c0.defined()) {
    EXPECT_TRUE(close(in.c0.grad(), c.get("grad_c0"))) << "gradient of c0";
  }
  for (const auto& [pname, p] : module->named_parameters())
    EXPECT_TRUE(close(p.grad(), c.get("grad." + pname))) << "gradient of " << pname;
  c.expect_all_used();
}

Results run_lstm(nn::Module& m, const Inputs& in) {
  const nn::LSTMOutput o = dynamic_cast<nn::LSTMImpl&>(m).forward(in.x, {in.h0, in.c0}, in.lengths);
  return {o.output, o.state.h, o.state.c};
}

Results run_gru(nn::Module& m, const Inputs& in) {
  const nn::RNNOutput o = dynamic_cast<nn::GRUImpl&>(m).forward(in.x, in.h0, in.lengths);
  return {o.output, o.h_n, {}};
}

Results run_rnn(nn::Module& m, const Inputs& in) {
  const nn::RNNOutput o = dynamic_cast<nn::RNNImpl&>(m).forward(in.x, in.h0, in.lengths);
  return {o.output, o.h_n, {}};
}

const std::set<std::string> kCovered = {"lstm_bi2_len",
                                        "lstm_bi2_len_f32",
                                        "gru_bi2_len",
                                        "gru_bi2_len_f32",
                                        "rnn_tanh_bi2_len",
                                        "rnn_tanh_2",
                                        "rnn_relu_batch_first",
                                        "lstm_proj_bi2_len",
                                        "lstm_no_bias_zero_state",
                                        "gru_batch_first_len",
                                        "rnn_cell",
                                        "rnn_relu_cell",
                                        "lstm_cell",
                                        "gru_cell",
                                        "state_dict_lstm"};

TEST(RnnGolden, CoversEveryFixtureCase) {
  std::set<std::string> stored;
  for (const auto& [key, t] : fixture("rnn.safetensors")) stored.insert(key.substr(0, key.find('.')));
  EXPECT_EQ(stored, kCovered);
}

TEST(RnnGolden, LstmTwoLayersBidirectionalWithLengths) {
  for (const char* name : {"lstm_bi2_len", "lstm_bi2_len_f32"})
    check_case(name, nn::LSTM(4, 3, {.num_layers = 2, .bidirectional = true}).ptr(), run_lstm);
}

TEST(RnnGolden, GruTwoLayersBidirectionalWithLengths) {
  for (const char* name : {"gru_bi2_len", "gru_bi2_len_f32"})
    check_case(name, nn::GRU(4, 3, {.num_layers = 2, .bidirectional = true}).ptr(), run_gru);
}

TEST(RnnGolden, RnnTanhTwoLayersBidirectionalWithLengths) {
  check_case("rnn_tanh_bi2_len", nn::RNN(4, 3, {.num_layers = 2, .bidirectional = true}).ptr(), run_rnn);
}

TEST(RnnGolden, RnnTanhTwoLayers) {
  check_case("rnn_tanh_2", nn::RNN(3, 4, {.num_layers = 2}).ptr(), run_rnn);
}

TEST(RnnGolden, RnnReluBatchFirst) {
  check_case("rnn_relu_batch_first",
             nn::RNN(3, 4, {.nonlinearity = nn::RNNNonlinearity::Relu, .batch_first = true}).ptr(), run_rnn);
}

TEST(RnnGolden, LstmProjectionTwoLayersBidirectionalWithLengths) {
  check_case("lstm_proj_bi2_len",
             nn::LSTM(4, 3, {.num_layers = 2, .bidirectional = true, .proj_size = 2}).ptr(), run_lstm);
}

TEST(RnnGolden, LstmWithoutBiasFromZeroState) {
  check_case("lstm_no_bias_zero_state", nn::LSTM(3, 4, {.bias = false}).ptr(), run_lstm);
}

TEST(RnnGolden, GruBatchFirstWithLengths) {
  check_case("gru_batch_first_len", nn::GRU(3, 4, {.batch_first = true}).ptr(), run_gru);
}

TEST(RnnGolden, Cells) {
  auto single = [](auto* cell) {
    return [cell](nn::Module& m, const Inputs& in) {
      return Results{{}, dynamic_cast<std::remove_pointer_t<decltype(cell)>&>(m).forward(in.x, in.h0), {}};
    };
  };
  check_case("rnn_cell", nn::RNNCell(3, 4).ptr(), single(static_cast<nn::RNNCellImpl*>(nullptr)));
  check_case("rnn_relu_cell", nn::RNNCell(3, 4, true, nn::RNNNonlinearity::Relu).ptr(),
             single(static_cast<nn::RNNCellImpl*>(nullptr)));
  check_case("gru_cell", nn::GRUCell(3, 4).ptr(), single(static_cast<nn::GRUCellImpl*>(nullptr)));
  check_case("lstm_cell", nn::LSTMCell(3, 4).ptr(), [](nn::Module& m, const Inputs& in) {
    const nn::LSTMState s = dynamic_cast<nn::LSTMCellImpl&>(m).forward(in.x, {in.h0, in.c0});
    return Results{{}, s.h, s.c};
  });
}

TEST(RnnGolden, PyTorchStateDictLoadsUnchanged) {
  nn::LSTM lstm(5, 4, {.num_layers = 2, .batch_first = true, .bidirectional = true});
  // Strict: the file's names and shapes are exactly the layer's.
  lstm->load_state_dict(
      io::load_safetensors(std::string(STRATA_FIXTURES_DIR) + "/rnn_lstm_state_dict.safetensors"));
  Case c("state_dict_lstm");
  const nn::LSTMOutput o = lstm->forward(c.get("x"), {});
  EXPECT_TRUE(close(o.output, c.get("out")));
  EXPECT_TRUE(close(o.state.h, c.get("h_n")));
  EXPECT_TRUE(close(o.state.c, c.get("c_n")));
  c.expect_all_used();
}

}  // namespace
}  // namespace strata
