#pragma once
// Golden checks of whole layers against tests/fixtures/nn.safetensors (scripts/gen_fixtures_nn.py): a case
// `c` stores the layer's parameters `c.<param>`, its input `c.x`, output `c.out`, an upstream gradient
// `c.grad_out` and the gradients `c.grad_x` (floating inputs only) and `c.grad_<param>`.
#include <set>
#include <string>
#include <vector>

#include "golden_util.h"
#include "strata/nn.h"

namespace strata::golden {

inline const char* kLayerFixture = "nn.safetensors";

// Copies the case's parameters into `layer` (converted to the case's dtype), runs it forward and backward,
// and checks the output and the gradients of the input and of every parameter.
inline void expect_layer_matches(const std::string& name, nn::Module& layer,
                                 const std::vector<std::string>& params) {
  const auto& tensors = fixture(kLayerFixture);
  auto stored = [&](const std::string& part) -> const Tensor& {
    auto it = tensors.find(name + "." + part);
    STRATA_CHECK(it != tensors.end(), "golden: {} has no tensor '{}.{}'", kLayerFixture, name, part);
    return it->second;
  };
  layer.to(stored("out").dtype());
  nn::StateDict state;
  for (const auto& p : params) state[p] = stored(p);
  layer.load_state_dict(state);  // strict: the layer has exactly these parameters

  Tensor x = stored("x").detach();
  if (x.is_floating_point()) x.requires_grad_();
  const Tensor out = layer.forward(x);
  EXPECT_TRUE(all_close(out, stored("out"))) << name << ": output";
  out.backward(stored("grad_out"));
  if (x.is_floating_point()) {
    EXPECT_TRUE(all_close(x.grad(), stored("grad_x"))) << name << ": gradient of x";
  }
  for (const auto& [pname, p] : layer.named_parameters()) {
    EXPECT_TRUE(all_close(p.grad(), stored("grad_" + pname))) << name << ": gradient of " << pname;
  }
}

// The fixture's case names that start with `prefix` must be exactly `listed`.
inline void expect_layer_cases(const std::string& prefix, const std::set<std::string>& listed) {
  std::set<std::string> stored;
  for (const auto& c : fixture_cases(kLayerFixture)) {
    if (c.starts_with(prefix)) stored.insert(c);
  }
  EXPECT_EQ(stored, listed) << kLayerFixture << ": the cases starting with '" << prefix << "'";
}

}  // namespace strata::golden
