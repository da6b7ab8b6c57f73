// The accountant's series against the numerical integration of scripts/gen_fixtures_rdp.py (SciPy).
#include "strata/fed/rdp_accountant.h"

#include <gtest/gtest.h>

#include <cmath>

#include "golden_util.h"
#include "test_util.h"

namespace strata::fed {
namespace {

const std::vector<std::string> kCases = {"mnist_b256_s11", "q001_s10", "q01_s20",
                                         "q005_s08",       "q02_s15",  "q0001_s06"};

TEST(RdpAccountant, FixtureListsTheSameCases) {
  std::set<std::string> names;
  for (const auto& [key, t] : golden::fixture("rdp.safetensors")) names.insert(key.substr(0, key.find('.')));
  EXPECT_EQ(names, std::set<std::string>(kCases.begin(), kCases.end()));
}

TEST(RdpAccountant, MatchesNumericalIntegrationAtIntegerAndFractionalOrders) {
  const auto& fx = golden::fixture("rdp.safetensors");
  for (const std::string& name : kCases) {
    SCOPED_TRACE(name);
    const std::vector<double> params = fx.at(name + ".params").to_vector<double>();
    const double q = params[0], sigma = params[1], delta = params[3];
    const auto steps = static_cast<int64_t>(params[2]);
    const std::vector<double> orders = fx.at(name + ".orders").to_vector<double>();
    const std::vector<double> rdp = fx.at(name + ".rdp").to_vector<double>();
    ASSERT_EQ(orders, default_rdp_orders());
    for (size_t i = 0; i < orders.size(); ++i) {
      EXPECT_NEAR(rdp_sampled_gaussian(q, sigma, orders[i]), rdp[i], 1e-6 * std::abs(rdp[i]) + 1e-12)
          << "order " << orders[i];
    }
    RdpAccountant acc;
    acc.step(q, sigma, steps);
    const double expected = fx.at(name + ".epsilon").item();
    EXPECT_NEAR(acc.epsilon(delta), expected, 1e-5 * expected);
  }
}

TEST(RdpAccountant, ComposesAdditivelyAndKnowsTheEdgeCases) {
  RdpAccountant once, split;
  once.step(0.01, 1.0, 200);
  split.step(0.01, 1.0, 120);
  split.step(0.01, 1.0, 80);
  EXPECT_NEAR(once.epsilon(1e-5), split.epsilon(1e-5), 1e-9);
  EXPECT_EQ(split.steps(), 200);
  EXPECT_DOUBLE_EQ(rdp_sampled_gaussian(1.0, 2.0, 3.0), 3.0 / 8.0);  // the Gaussian mechanism
  EXPECT_EQ(rdp_sampled_gaussian(0.0, 1.0, 3.0), 0.0);
  EXPECT_TRUE(std::isinf(rdp_sampled_gaussian(0.1, 0.0, 3.0)));
  EXPECT_EQ(RdpAccountant().epsilon(1e-5), 0.0);
  // More noise, less epsilon; more steps, more epsilon.
  RdpAccountant noisy, longer;
  noisy.step(0.01, 2.0, 200);
  longer.step(0.01, 1.0, 400);
  EXPECT_LT(noisy.epsilon(1e-5), once.epsilon(1e-5));
  EXPECT_GT(longer.epsilon(1e-5), once.epsilon(1e-5));
}

TEST(RdpAccountant, BadArgumentsAreNamed) {
  EXPECT_ERROR_CONTAINS(rdp_sampled_gaussian(1.5, 1.0, 2.0), "sampling rate q");
  EXPECT_ERROR_CONTAINS(rdp_sampled_gaussian(0.1, -1.0, 2.0), "noise multiplier");
  EXPECT_ERROR_CONTAINS(rdp_sampled_gaussian(0.1, 1.0, 1.0), "order alpha");
  RdpAccountant acc;
  acc.step(0.1, 1.0, 10);
  EXPECT_ERROR_CONTAINS(acc.epsilon(0.0), "delta");
  EXPECT_ERROR_CONTAINS(RdpAccountant({0.5}), "order");
}

}  // namespace
}  // namespace strata::fed
