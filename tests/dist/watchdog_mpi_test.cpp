// The fault watchdog under mpirun: the last rank dies (exits without a word) or hangs (sleeps past the bound)
// while the others wait in a collective; they must stop within the configured bound with an Error naming it.
// One scenario per mpirun (a faulted group cannot be reused): ctest runs this binary once per test with a
// filter and --mca orte_allowed_exit_without_sync 1, so that mpirun lets the survivors report.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "strata/dist/collectives.h"
#include "strata/dist/process_group.h"
#include "test_util.h"

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kBound = std::chrono::milliseconds(2000);

// Runs an all_reduce on every rank but the last, which calls `fault` instead; checks the survivors' Error.
template <typename Fault>
void expect_named_within_bound(Fault fault, const std::string& what) {
  dist::set_timeout(kBound);
  Tensor warmup = ones({4});
  dist::all_reduce(warmup);  // the group works before the fault
  const int culprit = dist::world_size() - 1;
  if (dist::rank() == culprit) {
    fault();
    std::_Exit(0);  // a hung rank that wakes up finds its peers gone: leave as well
  }
  Tensor t = ones({1000});
  const auto start = Clock::now();
  const std::string message = testing::error_of([&] { dist::all_reduce(t); });
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_THAT(message, ::testing::HasSubstr("rank " + std::to_string(culprit) + " did not answer")) << what;
  EXPECT_THAT(message, ::testing::HasSubstr("dist::all_reduce (collective #2)"));
  EXPECT_GE(seconds, 1.0);
  EXPECT_LE(seconds, std::chrono::duration<double>(kBound).count() + 0.5) << message;
  EXPECT_TRUE(dist::has_faulted());
  // Later calls refuse at once, repeating the fault.
  EXPECT_THAT(testing::error_of([&] { dist::barrier(); }), ::testing::HasSubstr("faulted earlier"));
}

TEST(Watchdog, DeadRankIsNamedWithinTheBound) {
  expect_named_within_bound([] { std::_Exit(0); }, "dead");
}

TEST(Watchdog, HungRankIsNamedWithinTheBound) {
  expect_named_within_bound([] { std::this_thread::sleep_for(2 * kBound); }, "hung");
}

}  // namespace
}  // namespace strata
