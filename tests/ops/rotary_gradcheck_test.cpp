// Gradient checks of the rotary position embedding with respect to x (and the cos/sin tables).
#include "strata/ops/rotary.h"
#include "test_util.h"

namespace strata {
namespace {

using testing::input;
using testing::transposed_input;
using Inputs = std::vector<Tensor>;

TEST(RotaryGradcheck, Offset) {
  EXPECT_GRADCHECK([](const Inputs& v) { return ops::apply_rotary_embedding(v[0], 3); }, input({2, 3, 4}));
  EXPECT_GRADCHECK([](const Inputs& v) { return ops::apply_rotary_embedding(v[0], 0, 100.0); },
                   transposed_input({2, 4, 6}));
}

TEST(RotaryGradcheck, Positions) {
  const Tensor positions = from_vector<int64_t>({4, 0, 9, 2, 1, 1}, {2, 1, 3});
  EXPECT_GRADCHECK([&](const Inputs& v) { return ops::apply_rotary_embedding(v[0], positions); },
                   input({2, 2, 3, 4}));
}

TEST(RotaryGradcheck, Tables) {
  EXPECT_GRADCHECK([](const Inputs& v) { return ops::apply_rotary_embedding(v[0], v[1], v[2]); },
                   input({2, 3, 4}, 1), input({3, 2}, 2), input({3, 2}, 3));
}

}  // namespace
}  // namespace strata
