#pragma once
// Checks every environment shares (messages name the environment) and uniform draws for the reset
// distributions.
#include <cstdint>
#include <span>

#include "strata/core/generator.h"
#include "strata/rl/env.h"

namespace strata::rl::detail {

// Raises unless `action` is in env's Discrete action space.
void check_discrete_action(const Env& env, int64_t action);
// Raises unless `action` has env's Box action dimension and no NaN.
void check_box_action(const Env& env, std::span<const float> action);
// A double uniform in [low, high) from 53 random bits of `generator`.
double uniform(Generator& generator, double low, double high);

}  // namespace strata::rl::detail
