// Caching CPU allocator. Requests are rounded to buckets (64-byte steps up to 4 KiB, then four steps per
// power of two, so rounding wastes at most 25%) and freed blocks wait in per-bucket free lists: a global
// set under a mutex, fronted by a small per-thread cache for blocks up to 112 KiB, so the
// small tensors of a training step (biases, losses, scalars, graph bookkeeping) cost no lock.
#include "strata/core/allocator.h"

#include <array>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include "strata/core/error.h"

namespace strata::cpu_allocator {
namespace {

// Blocks above this many cached bytes are returned to the system instead of cached.
constexpr size_t kMaxCachedBytes = size_t{4} << 30;
// Per-thread cache: at most this many blocks per bucket.
constexpr size_t kThreadCacheDepth = 8;

// Bucket of a rounded size: 0..63 for 64..4096 bytes, then four per power of two.
constexpr size_t kSmallBuckets = 4096 / kAlignment;
constexpr size_t kBuckets = kSmallBuckets + 4 * 64;

size_t bucket_of(size_t rounded) {
  if (rounded <= 4096) return rounded / kAlignment - 1;
  const size_t pow = std::bit_floor(rounded);
  const size_t k = static_cast<size_t>(std::countr_zero(pow));
  return kSmallBuckets + (k - 12) * 4 + (rounded - pow) / (pow / 4);
}

constexpr size_t kThreadBuckets = kSmallBuckets + 4 * 5;  // the buckets up to 112 KiB

struct Global {
  std::mutex mutex;
  std::array<std::vector<void*>, kBuckets> free_lists;
  size_t bytes_cached = 0;  // in the global lists
  size_t system_allocs = 0;
  std::vector<struct ThreadCache*> threads;  // live thread caches, for stats()
  AllocatorStats retired;                    // counters of exited threads
};

Global& global() {
  static Global* g = new Global();  // never destroyed: tensors may outlive static destruction
  return *g;
}

// Counters written only by the owning thread (relaxed load + store, no locked instruction) and read by
// stats() from any thread.
struct Counter {
  std::atomic<int64_t> v{0};
  void add(int64_t d) { v.store(v.load(std::memory_order_relaxed) + d, std::memory_order_relaxed); }
  int64_t get() const { return v.load(std::memory_order_relaxed); }
};

struct ThreadCache {
  std::array<std::array<void*, kThreadCacheDepth>, kThreadBuckets> blocks{};
  std::array<uint8_t, kThreadBuckets> count{};
  Counter in_use;  // bytes handed out by this thread minus bytes returned to it (may go negative)
  Counter cached;  // bytes held in `blocks`
  Counter hits;

  ThreadCache() {
    std::lock_guard lock(global().mutex);
    global().threads.push_back(this);
  }
  ~ThreadCache() {
    Global& g = global();
    std::lock_guard lock(g.mutex);
    release_locked();
    g.retired.bytes_in_use += static_cast<size_t>(in_use.get());
    g.retired.cache_hits += static_cast<size_t>(hits.get());
    std::erase(g.threads, this);
  }
  // Moves every cached block to the global lists (caller holds the global mutex).
  void release_locked() {
    Global& g = global();
    for (size_t b = 0; b < kThreadBuckets; ++b) {
      for (size_t i = 0; i < count[b]; ++i) g.free_lists[b].push_back(blocks[b][i]);
      count[b] = 0;
    }
    g.bytes_cached += static_cast<size_t>(cached.get());
    cached.add(-cached.get());
  }
};

// The calling thread's cache; nullptr once the thread's cache was destroyed at thread exit (a tensor
// freed later, e.g. by a static destructor, goes straight to the global lists).
enum class CacheState : uint8_t { kNew, kLive, kDead };
thread_local CacheState cache_state = CacheState::kNew;  // trivially destructible: valid until exit

struct CacheOwner {
  ThreadCache cache;
  CacheOwner() { cache_state = CacheState::kLive; }
  ~CacheOwner() { cache_state = CacheState::kDead; }
};

ThreadCache* thread_cache() {
  if (cache_state == CacheState::kDead) [[unlikely]]
    return nullptr;
  thread_local CacheOwner owner;
  return &owner.cache;
}

void* system_allocate(size_t size) {
  void* p = std::aligned_alloc(kAlignment, size);
  if (!p) {
    empty_cache();
    p = std::aligned_alloc(kAlignment, size);
  }
  return p;
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
  const size_t b = bucket_of(size);
  ThreadCache* tc = thread_cache();
  if (tc) {
    tc->in_use.add(static_cast<int64_t>(size));
    if (b < kThreadBuckets && tc->count[b] > 0) {
      tc->cached.add(-static_cast<int64_t>(size));
      tc->hits.add(1);
      return tc->blocks[b][--tc->count[b]];
    }
  }
  Global& g = global();
  {
    std::lock_guard lock(g.mutex);
    if (!tc) g.retired.bytes_in_use += size;
    std::vector<void*>& list = g.free_lists[b];
    if (!list.empty()) {
      void* p = list.back();
      list.pop_back();
      g.bytes_cached -= size;
      if (tc) {
        tc->hits.add(1);
      } else {
        ++g.retired.cache_hits;
      }
      return p;
    }
    ++g.system_allocs;
  }
  void* p = system_allocate(size);
  if (!p) {
    if (tc) {
      tc->in_use.add(-static_cast<int64_t>(size));
    } else {
      std::lock_guard lock(g.mutex);
      g.retired.bytes_in_use -= size;
    }
    STRATA_FAIL("out of memory: could not allocate {} bytes on cpu", size);
  }
  return p;
}

void deallocate(void* ptr, size_t nbytes) {
  if (!ptr) return;
  const size_t size = round_size(nbytes);
  const size_t b = bucket_of(size);
  ThreadCache* tc = thread_cache();
  if (tc) {
    tc->in_use.add(-static_cast<int64_t>(size));
    if (b < kThreadBuckets && tc->count[b] < kThreadCacheDepth) {
      tc->blocks[b][tc->count[b]++] = ptr;
      tc->cached.add(static_cast<int64_t>(size));
      return;
    }
  }
  Global& g = global();
  std::lock_guard lock(g.mutex);
  if (!tc) g.retired.bytes_in_use -= size;
  if (g.bytes_cached + size > kMaxCachedBytes) {
    std::free(ptr);
    return;
  }
  g.free_lists[b].push_back(ptr);
  g.bytes_cached += size;
}

void empty_cache() {
  ThreadCache* tc = thread_cache();  // (created outside the lock: creation registers under it)
  Global& g = global();
  std::lock_guard lock(g.mutex);
  // The calling thread's cache too; other threads keep their few small blocks.
  if (tc) tc->release_locked();
  for (std::vector<void*>& list : g.free_lists) {
    for (void* p : list) std::free(p);
    list.clear();
  }
  g.bytes_cached = 0;
}

AllocatorStats stats() {
  Global& g = global();
  std::lock_guard lock(g.mutex);
  AllocatorStats s = g.retired;
  int64_t in_use = static_cast<int64_t>(s.bytes_in_use);
  s.bytes_cached = g.bytes_cached;
  s.system_allocs = g.system_allocs;
  for (const ThreadCache* t : g.threads) {
    in_use += t->in_use.get();
    s.bytes_cached += static_cast<size_t>(t->cached.get());
    s.cache_hits += static_cast<size_t>(t->hits.get());
  }
  s.bytes_in_use = static_cast<size_t>(in_use);
  return s;
}

}  // namespace strata::cpu_allocator
