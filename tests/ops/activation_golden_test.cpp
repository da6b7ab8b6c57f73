// Activations against PyTorch (tests/fixtures/activation.safetensors and layers_activation.safetensors).
#include "golden_util.h"
#include "strata/nn/activation.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

// The f64 and f32 cases `name` and the f64 case `name_tails` (extreme inputs), all computing fn(x).
std::vector<GoldenCase> with_tails(const std::string& name, const std::function<Tensor(const Tensor&)>& fn) {
  auto body = [fn](Case& c) { return fn(c.in("x")); };
  auto cases = golden::f64_and_f32(name, body);
  cases.push_back({name + "_tails", body});
  return cases;
}

std::vector<GoldenCase> plain(const std::string& name, const std::function<Tensor(const Tensor&)>& fn) {
  return golden::f64_and_f32(name, [fn](Case& c) { return fn(c.in("x")); });
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      plain("relu", [](const Tensor& x) { return F::relu(x); }),
      plain("leaky_relu", [](const Tensor& x) { return F::leaky_relu(x); }),
      plain("leaky_relu_02", [](const Tensor& x) { return F::leaky_relu(x, 0.2); }),
      with_tails("elu", [](const Tensor& x) { return F::elu(x); }),
      plain("elu_05", [](const Tensor& x) { return F::elu(x, 0.5); }),
      with_tails("selu", [](const Tensor& x) { return F::selu(x); }),
      with_tails("gelu", [](const Tensor& x) { return F::gelu(x); }),
      plain("gelu_tanh", [](const Tensor& x) { return F::gelu(x, F::GeluApproximate::Tanh); }),
      with_tails("sigmoid", [](const Tensor& x) { return F::sigmoid(x); }),
      with_tails("tanh", [](const Tensor& x) { return F::tanh(x); }),
      with_tails("softplus", [](const Tensor& x) { return F::softplus(x); }),
      plain("softplus_beta", [](const Tensor& x) { return F::softplus(x, 2.0, 5.0); }),
      with_tails("silu", [](const Tensor& x) { return F::silu(x); }),
      plain("hardsigmoid", [](const Tensor& x) { return F::hardsigmoid(x); }),
      plain("hardswish", [](const Tensor& x) { return F::hardswish(x); }),
      plain("relu6", [](const Tensor& x) { return F::relu6(x); }),
      plain("hardtanh", [](const Tensor& x) { return F::hardtanh(x); }),
      plain("hardtanh_custom", [](const Tensor& x) { return F::hardtanh(x, -2.0, 3.5); }),
  });
  return all;
}

STRATA_GOLDEN_TESTS(ActivationGolden, "activation.safetensors", cases);

// PReLU (input and weight gradients) and Mish: tests/fixtures/layers_activation.safetensors, from
// scripts/gen_fixtures_layers.py.
const std::vector<GoldenCase>& layer_cases() {
  auto prelu = [](Case& c) { return F::prelu(c.in("x"), c.in("weight")); };
  static const std::vector<GoldenCase> all = golden::join({
      golden::f64_and_f32("prelu_shared", prelu),
      golden::f64_and_f32("prelu_channels", prelu),
      golden::f64_and_f32("prelu_4d", prelu),
      with_tails("mish", [](const Tensor& x) { return F::mish(x); }),
      {{"prelu_2d", prelu},
       {"prelu_1d", prelu},
       // The layer starts with nn.PReLU(4)'s weight (0.25 per channel); the fixture's leaf then takes
       // its place so that the weight's gradient is checked too.
       {"prelu_module_f32",
        [](Case& c) {
          nn::PReLU layer(4);
          c.expect("weight", layer->weight);
          layer->weight = c.in("weight");
          return layer(c.in("x"));
        }}},
  });
  return all;
}

STRATA_GOLDEN_TESTS(LayersActivationGolden, "layers_activation.safetensors", layer_cases);

}  // namespace
}  // namespace strata
