#pragma once
// Memory planning: the values that the executor writes through out-variant kernels get a slice of one
// arena per graph, assigned by liveness so values whose lifetimes do not overlap share bytes.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/compile/ir.h"

namespace strata::compiler {

struct MemoryPlan {
  int64_t batch = 0;
  std::vector<int64_t> offset;  // bytes into the arena per value id; -1 when not in the arena
  int64_t arena_bytes = 0;      // the arena's size (its peak)
  int64_t planned_bytes = 0;    // the arena values' bytes if each had its own buffer
  int64_t kernel_bytes = 0;     // temporaries that kernels allocate themselves (no out-variant)
  // "arena 1.2 MB for 6 values (3.4 MB without reuse) ...", then one line per value.
  std::string str(const Graph& g) const;
};

// True for values the executor writes into the arena (results of out-variant kernels).
bool in_arena(const Graph& g, int value);
// Plans the arena of `g` at batch size `batch`: first fit by decreasing size over live ranges.
MemoryPlan plan_memory(const Graph& g, int64_t batch);

}  // namespace strata::compiler
