// Caching CPU allocator. Requests are rounded to buckets (64-byte steps up to 4 KiB, then four steps per
// power of two, so rounding wastes at most 25%) and freed blocks wait in per-bucket free lists.
#include "strata/core/allocator.h"

#include <bit>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "strata/core/error.h"

namespace strata::cpu_allocator {
namespace {

// Blocks above this many cached bytes are returned to the system instead of cached.
constexpr size_t kMaxCachedBytes = size_t{4} << 30;

struct Cache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  AllocatorStats stats;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: tensors may outlive static destruction
  return *c;
}

}  // namespace

size_t round_size(size_t nbytes) {
  if (nbytes == 0) return kAlignment;
  if (nbytes <= 4096) return (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  const size_t pow = std::bit_floor(nbytes);
  const size_t step = pow / 4;
  return (nbytes + step - 1) / step * step;
}

void* allocate(size_t nbytes) {
  const size_t size = round_size(nbytes);
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    auto it = c.free_lists.find(size);
    if (it != c.free_lists.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.stats.bytes_cached -= size;
      c.stats.bytes_in_use += size;
      ++c.stats.cache_hits;
      return p;
    }
    c.stats.bytes_in_use += size;
    ++c.stats.system_allocs;
  }
  void* p = std::aligned_alloc(kAlignment, size);
  if (!p) {
    empty_cache();
    p = std::aligned_alloc(kAlignment, size);
  }
  if (!p) {
    std::lock_guard lock(c.mutex);
    c.stats.bytes_in_use -= size;
    STRATA_FAIL("out of memory: could not allocate {} bytes on cpu", size);
  }
  return p;
}

void deallocate(void* ptr, size_t nbytes) {
  if (!ptr) return;
  const size_t size = round_size(nbytes);
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  c.stats.bytes_in_use -= size;
  if (c.stats.bytes_cached + size > kMaxCachedBytes) {
    std::free(ptr);
    return;
  }
  c.free_lists[size].push_back(ptr);
  c.stats.bytes_cached += size;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  for (auto& [size, list] : c.free_lists) {
    for (void* p : list) std::free(p);
    list.clear();
  }
  c.stats.bytes_cached = 0;
}

AllocatorStats stats() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  return c.stats;
}

}  // namespace strata::cpu_allocator
