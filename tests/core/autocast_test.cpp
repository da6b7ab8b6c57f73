// The autocast guard: off by default, scopes nest and restore, thread-local, only bf16 accepted.
#include "strata/core/autocast.h"

#include <gmock/gmock.h>

#include <stdexcept>
#include <thread>

#include "strata/core/error.h"

namespace strata {
namespace {

TEST(Autocast, OffByDefault) {
  EXPECT_FALSE(autocast_enabled());
  EXPECT_EQ(autocast_dtype(), kBFloat16);
}

TEST(Autocast, GuardEnablesForItsScopeOnly) {
  {
    auto guard = autocast(kBFloat16);
    EXPECT_TRUE(autocast_enabled());
    EXPECT_EQ(autocast_dtype(), kBFloat16);
  }
  EXPECT_FALSE(autocast_enabled());
}

TEST(Autocast, ScopesNestAndRestore) {
  const AutocastGuard outer(kBFloat16);
  {
    const AutocastGuard off(kBFloat16, false);
    EXPECT_FALSE(autocast_enabled());
    {
      const AutocastGuard on(AutocastMode{true, kBFloat16});
      EXPECT_TRUE(autocast_enabled());
    }
    EXPECT_FALSE(autocast_enabled());
  }
  EXPECT_TRUE(autocast_enabled());
}

TEST(Autocast, RestoredWhenAnExceptionLeavesTheScope) {
  try {
    const AutocastGuard guard(kBFloat16);
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(autocast_enabled());
}

TEST(Autocast, StateIsPerThread) {
  const AutocastGuard guard(kBFloat16);
  bool other = true;
  std::thread t([&] { other = autocast_enabled(); });
  t.join();
  EXPECT_FALSE(other);
  EXPECT_TRUE(autocast_enabled());
}

TEST(Autocast, RejectsDtypesItCannotComputeIn) {
  EXPECT_THAT([] { const AutocastGuard g(kFloat64); },
              ::testing::ThrowsMessage<Error>(::testing::HasSubstr("autocast: dtype f64 is not supported")));
  EXPECT_THAT([] { const AutocastGuard g(kInt64, false); },
              ::testing::ThrowsMessage<Error>(::testing::HasSubstr("dtype i64")));
  EXPECT_FALSE(autocast_enabled());
}

}  // namespace
}  // namespace strata
