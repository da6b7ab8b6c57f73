#pragma once
// The multilayer perceptrons RL agents are made of, initialised as CleanRL and Stable-Baselines3 do:
// orthogonal weights (gain sqrt(2) on hidden layers, a chosen gain on the output layer), zero biases.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/generator.h"
#include "strata/nn/container.h"

namespace strata::rl {

// Linear(in, h0), act, Linear(h0, h1), act, ..., Linear(h_last, out) ("0", "2", ... are the Linear layers).
// `activation` is "tanh" or "relu"; weights are drawn from `generator`.
nn::Sequential make_mlp(int64_t in_features, const std::vector<int64_t>& hidden, int64_t out_features,
                        const std::string& activation, double output_gain, Generator& generator);

}  // namespace strata::rl
