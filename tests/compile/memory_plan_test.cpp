// The memory plan: values whose live ranges do not overlap share arena bytes, overlapping ones never do,
// and sizes follow the symbolic batch dim.
#include "strata/compile/memory_plan.h"

#include <gtest/gtest.h>

namespace strata::compiler {
namespace {

// x -> Linear a -> Linear b -> Linear c: a dies when b is written, so c can take a's bytes.
Graph chain() {
  Graph g;
  const int x = g.add_value(ValueKind::Input, {2, 16}, kFloat32, true, "x");
  g.inputs = {x};
  const int w = g.add_value(ValueKind::Parameter, {16, 16}, kFloat32, false, "w");
  int prev = x;
  for (int i = 0; i < 3; ++i) {
    const int v = g.add_value(ValueKind::Temporary, {2, 16}, kFloat32, true);
    g.add_node(OpKind::Linear, {prev, w, -1}, {v});
    prev = v;
  }
  g.outputs = {prev};
  return g;
}

TEST(MemoryPlan, ReusesBytesOfDeadValuesOnly) {
  const Graph g = chain();
  const MemoryPlan p = plan_memory(g, 2);
  const int a = 2, b = 3, c = 4;
  ASSERT_GE(p.offset[a], 0);
  ASSERT_GE(p.offset[b], 0);
  ASSERT_GE(p.offset[c], 0);
  EXPECT_NE(p.offset[a], p.offset[b]);  // a is read while b is written
  EXPECT_NE(p.offset[b], p.offset[c]);
  EXPECT_EQ(p.offset[a], p.offset[c]);  // a is dead when c is written
  EXPECT_EQ(p.arena_bytes, 2 * 128);
  EXPECT_EQ(p.planned_bytes, 3 * 128);
}

TEST(MemoryPlan, FollowsTheBatchSize) {
  const Graph g = chain();
  EXPECT_EQ(plan_memory(g, 64).planned_bytes, 3 * 64 * 16 * 4);
  EXPECT_EQ(plan_memory(g, 1).arena_bytes, 2 * 64);  // 64-byte alignment
}

}  // namespace
}  // namespace strata::compiler
