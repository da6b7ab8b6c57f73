#pragma once
// Caching CPU allocator: size-bucketed free lists of 64-byte aligned blocks, so steady-state training
// reuses memory instead of calling malloc per op.
#include <cstddef>
#include <cstdint>

namespace strata {

inline constexpr size_t kAlignment = 64;

struct AllocatorStats {
  size_t bytes_in_use = 0;   // handed out and not yet returned
  size_t bytes_cached = 0;   // held in free lists
  size_t system_allocs = 0;  // calls that reached the system allocator
  size_t cache_hits = 0;     // requests served from a free list
};

namespace cpu_allocator {
// Returns a block of at least `nbytes` bytes, aligned to kAlignment.
void* allocate(size_t nbytes);
// Returns a block obtained from allocate(nbytes) to the cache.
void deallocate(void* ptr, size_t nbytes);
// The bucket size a request of `nbytes` is rounded up to.
size_t round_size(size_t nbytes);
// Releases all cached blocks to the system.
void empty_cache();
AllocatorStats stats();
}  // namespace cpu_allocator

}  // namespace strata
