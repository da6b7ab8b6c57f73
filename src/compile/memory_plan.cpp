// Memory planning by liveness. A value is live from the node that writes it to the last node that reads
// it or any view of it; the graph's outputs live to the end. Values are placed largest first at the
// lowest 64-byte-aligned offset that overlaps no placed value live at the same time.
#include "strata/compile/memory_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace strata::compiler {

bool in_arena(const Graph& g, int value) {
  const Value& v = g.values[value];
  if (v.kind != ValueKind::Temporary || v.alias_of >= 0 || v.producer < 0) return false;
  const OpKind op = g.nodes[v.producer].op;
  return op == OpKind::Linear || op == OpKind::LinearBackwardInput;
}

MemoryPlan plan_memory(const Graph& g, int64_t batch) {
  constexpr int64_t kAlign = 64;
  MemoryPlan plan;
  plan.batch = batch;
  const size_t nv = g.values.size();
  plan.offset.assign(nv, -1);
  std::vector<int> first(nv, -1), last(nv, -1);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    for (int o : g.nodes[k].outputs) {
      const int r = g.root(o);
      if (first[r] < 0) first[r] = static_cast<int>(k);
      last[r] = std::max(last[r], static_cast<int>(k));
    }
    for (int i : g.nodes[k].inputs)
      if (i >= 0) last[g.root(i)] = std::max(last[g.root(i)], static_cast<int>(k));
  }
  for (int o : g.outputs) last[g.root(o)] = static_cast<int>(g.nodes.size());
  std::vector<int> values;
  for (size_t v = 0; v < nv; ++v) {
    if (first[v] < 0) continue;
    if (in_arena(g, static_cast<int>(v))) {
      values.push_back(static_cast<int>(v));
      plan.planned_bytes += g.bytes(static_cast<int>(v), batch);
    } else if (g.values[v].kind == ValueKind::Temporary && g.values[v].alias_of < 0) {
      plan.kernel_bytes += g.bytes(static_cast<int>(v), batch);
    }
  }
  std::stable_sort(values.begin(), values.end(),
                   [&](int a, int b) { return g.bytes(a, batch) > g.bytes(b, batch); });
  std::vector<int> placed;
  for (int v : values) {
    const int64_t size = (g.bytes(v, batch) + kAlign - 1) / kAlign * kAlign;
    // Intervals taken by placed values live at the same time, by offset.
    std::vector<std::pair<int64_t, int64_t>> taken;
    for (int p : placed)
      if (first[p] <= last[v] && first[v] <= last[p])
        taken.emplace_back(plan.offset[p],
                           plan.offset[p] + (g.bytes(p, batch) + kAlign - 1) / kAlign * kAlign);
    std::sort(taken.begin(), taken.end());
    int64_t at = 0;
    for (const auto& [b, e] : taken) {
      if (at + size <= b) break;
      at = std::max(at, e);
    }
    plan.offset[v] = at;
    plan.arena_bytes = std::max(plan.arena_bytes, at + size);
    placed.push_back(v);
  }
  return plan;
}

std::string MemoryPlan::str(const Graph& g) const {
  std::string s = fmt::format(
      "memory plan at batch {}: arena {} bytes for {} values ({} bytes with a buffer each, {:.1f}x less); "
      "{} bytes more in kernel-allocated temporaries\n",
      batch, arena_bytes, std::count_if(offset.begin(), offset.end(), [](int64_t o) { return o >= 0; }),
      planned_bytes,
      arena_bytes ? static_cast<double>(planned_bytes) / static_cast<double>(arena_bytes) : 1.0,
      kernel_bytes);
  s += fmt::format("peak bytes: {} before planning, {} after\n", planned_bytes + kernel_bytes,
                   arena_bytes + kernel_bytes);
  for (size_t v = 0; v < offset.size(); ++v)
    if (offset[v] >= 0)
      s += fmt::format("  {} @ {} ({} bytes, {})\n", g.values[v].name, offset[v],
                       g.bytes(static_cast<int>(v), batch), op_name(g.nodes[g.values[v].producer].op));
  return s;
}

}  // namespace strata::compiler
