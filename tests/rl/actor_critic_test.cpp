// The actor-critic networks: CleanRL's / SB3's layout, parameter names and orthogonal initialisation.
#include "strata/rl/actor_critic.h"

#include "test_util.h"

namespace strata::rl {
namespace {

// Row norms of a weight [out, in] with out <= in: an orthogonal matrix times gain has rows of norm gain.
std::vector<double> row_norms(const Tensor& w) {
  return ops::norm(w.to(kFloat64), 2.0, Shape{1}).to_vector<double>();
}

TEST(ActorCritic, LayoutNamesAndOrthogonalInitialisation) {
  Generator g(0);
  ActorCritic net(Space::box({-1, -1, -1, -1}, {1, 1, 1, 1}), Space::discrete(2), PolicyOptions{}, g);
  std::vector<std::string> names;
  for (const auto& [name, p] : net->named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"actor.0.weight", "actor.0.bias", "actor.2.weight",
                                             "actor.2.bias", "actor.4.weight", "actor.4.bias",
                                             "critic.0.weight", "critic.0.bias", "critic.2.weight",
                                             "critic.2.bias", "critic.4.weight", "critic.4.bias"}));
  const auto params = net->state_dict();
  for (double n : row_norms(params.at("actor.4.weight"))) EXPECT_NEAR(n, 0.01, 1e-5);
  for (double n : row_norms(params.at("critic.4.weight"))) EXPECT_NEAR(n, 1.0, 1e-5);
  // [64, 64] hidden: orthogonal times sqrt(2); W W^T = 2 I.
  const Tensor w = params.at("actor.2.weight").to(kFloat64);
  EXPECT_TRUE(allclose(w.matmul(w.t()), eye(64, -1, {.dtype = kFloat64}) * 2.0, 1e-5, 1e-5));
  for (const char* bias : {"actor.0.bias", "actor.4.bias", "critic.4.bias"}) {
    EXPECT_EQ(params.at(bias).abs().max().item(), 0.0) << bias;
  }
  const Tensor obs = randn({3, 4});
  EXPECT_EQ(net->forward(obs).shape(), (Shape{3, 2}));
  EXPECT_EQ(net->value(obs).shape(), (Shape{3}));
  auto [log_prob, entropy] = net->evaluate_actions(obs, from_vector<int64_t>({0, 1, 1}));
  EXPECT_EQ(log_prob.shape(), (Shape{3}));
  // Near-uniform at the start (gain 0.01): entropy close to log 2.
  EXPECT_NEAR(entropy.mean().item(), std::log(2.0), 1e-3);
}

TEST(ActorCritic, BoxActionsHaveAStateIndependentLogStd) {
  Generator g(1);
  ActorCritic net(Space::box({-1, -1, -1}, {1, 1, 1}), Space::box({-2, -2}, {2, 2}),
                  PolicyOptions{.hidden = {8}, .activation = "relu"}, g, -0.5);
  EXPECT_TRUE(equal(net->log_std, full({2}, -0.5)));
  EXPECT_EQ(net->state_dict().count("log_std"), 1u);
  EXPECT_EQ(net->actor->size(), 3u);  // Linear, ReLU, Linear
  const Tensor obs = randn({4, 3});
  auto [log_prob, entropy] = net->evaluate_actions(obs, zeros({4, 2}));
  EXPECT_EQ(log_prob.shape(), (Shape{4}));
  EXPECT_NEAR(entropy.at({0}), 2 * (0.5 + 0.5 * std::log(2 * M_PI) - 0.5), 1e-5);
}

TEST(ActorCritic, BadSpacesAndOptions) {
  Generator g(0);
  EXPECT_NE(testing::error_of([&] {
              ActorCritic(Space::discrete(3), Space::discrete(2), PolicyOptions{}, g);
            }).find("observations must be a Box"),
            std::string::npos);
  EXPECT_NE(testing::error_of([&] {
              ActorCritic(Space::box({0}, {1}), Space::discrete(2), PolicyOptions{.activation = "gelu"}, g);
            }).find("activation must be 'tanh' or 'relu'"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::rl
