#include "strata/rl/mlp.h"

#include <cmath>

#include "strata/core/error.h"
#include "strata/nn/activation.h"
#include "strata/nn/init.h"
#include "strata/nn/linear.h"

namespace strata::rl {
namespace {

nn::Linear orthogonal_linear(int64_t in, int64_t out, double gain, Generator& generator) {
  nn::Linear layer(in, out);
  nn::init::orthogonal_(layer->weight, gain, &generator);
  nn::init::zeros_(layer->bias);
  return layer;
}

}  // namespace

nn::Sequential make_mlp(int64_t in_features, const std::vector<int64_t>& hidden, int64_t out_features,
                        const std::string& activation, double output_gain, Generator& generator) {
  STRATA_CHECK(activation == "tanh" || activation == "relu",
               "rl::make_mlp: activation must be 'tanh' or 'relu', got '{}'", activation);
  STRATA_CHECK(in_features > 0 && out_features > 0, "rl::make_mlp: sizes must be positive, got in {} out {}",
               in_features, out_features);
  nn::Sequential net;
  int64_t in = in_features;
  for (int64_t h : hidden) {
    STRATA_CHECK(h > 0, "rl::make_mlp: hidden sizes must be positive, got {}", h);
    net->push_back(orthogonal_linear(in, h, std::sqrt(2.0), generator));
    if (activation == "tanh") {
      net->push_back(nn::Tanh());
    } else {
      net->push_back(nn::ReLU());
    }
    in = h;
  }
  net->push_back(orthogonal_linear(in, out_features, output_gain, generator));
  return net;
}

}  // namespace strata::rl
