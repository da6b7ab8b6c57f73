// The caching allocator: bucket rounding, reuse, the per-thread cache (lock-free reuse of small blocks,
// blocks freed on another thread, threads that exit) and statistics that add up across threads.
#include "strata/core/allocator.h"

#include <thread>
#include <vector>

#include "test_util.h"

namespace strata {
namespace {

TEST(Allocator, RoundsToBuckets) {
  EXPECT_EQ(cpu_allocator::round_size(0), kAlignment);
  EXPECT_EQ(cpu_allocator::round_size(1), 64u);
  EXPECT_EQ(cpu_allocator::round_size(4096), 4096u);
  EXPECT_EQ(cpu_allocator::round_size(4097), 5120u);
  EXPECT_EQ(cpu_allocator::round_size(8192), 8192u);
  EXPECT_EQ(cpu_allocator::round_size(8193), 10240u);
  EXPECT_EQ(cpu_allocator::round_size((size_t{1} << 30) + 1), (size_t{1} << 30) + (size_t{1} << 28));
}

TEST(Allocator, ReusesSmallAndLargeBlocks) {
  for (size_t bytes : {size_t{48}, size_t{3000}, size_t{100} << 10, size_t{3} << 20}) {
    void* p = cpu_allocator::allocate(bytes);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kAlignment, 0u);
    cpu_allocator::deallocate(p, bytes);
    const AllocatorStats before = cpu_allocator::stats();
    void* q = cpu_allocator::allocate(bytes);
    const AllocatorStats after = cpu_allocator::stats();
    EXPECT_EQ(q, p) << bytes;  // the block just freed comes back
    EXPECT_EQ(after.system_allocs, before.system_allocs);
    EXPECT_EQ(after.cache_hits, before.cache_hits + 1);
    EXPECT_EQ(after.bytes_in_use, before.bytes_in_use + cpu_allocator::round_size(bytes));
    EXPECT_EQ(after.bytes_cached, before.bytes_cached - cpu_allocator::round_size(bytes));
    cpu_allocator::deallocate(q, bytes);
  }
}

TEST(Allocator, BlocksCrossThreadsAndSurviveThreadExit) {
  const AllocatorStats start = cpu_allocator::stats();
  std::vector<void*> blocks(20);
  // Allocated on one thread (which then exits), freed on this one.
  std::thread([&] {
    for (void*& p : blocks) p = cpu_allocator::allocate(256);
  }).join();
  const AllocatorStats mid = cpu_allocator::stats();
  EXPECT_EQ(mid.bytes_in_use, start.bytes_in_use + 20 * 256);
  for (void* p : blocks) cpu_allocator::deallocate(p, 256);
  const AllocatorStats end = cpu_allocator::stats();
  EXPECT_EQ(end.bytes_in_use, start.bytes_in_use);
  // Freed on a thread that exits: its cached blocks go back to the shared lists and are reused here.
  std::thread([&] {
    for (void*& p : blocks) p = cpu_allocator::allocate(512);
    for (void* p : blocks) cpu_allocator::deallocate(p, 512);
  }).join();
  const AllocatorStats after_exit = cpu_allocator::stats();
  std::vector<void*> again(20);
  for (void*& p : again) p = cpu_allocator::allocate(512);
  EXPECT_EQ(cpu_allocator::stats().system_allocs, after_exit.system_allocs);
  for (void* p : again) cpu_allocator::deallocate(p, 512);
}

TEST(Allocator, ConcurrentUseKeepsCountsConsistent) {
  const AllocatorStats start = cpu_allocator::stats();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 2000; ++i) {
        Tensor x = ones({1 + (i + t) % 50}) * 2.0;  // tensors of many small sizes
        EXPECT_EQ(x.at({0}), 2.0);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(cpu_allocator::stats().bytes_in_use, start.bytes_in_use);
}

TEST(Allocator, EmptyCacheReleasesThisThreadsBlocks) {
  void* p = cpu_allocator::allocate(1000);
  cpu_allocator::deallocate(p, 1000);
  EXPECT_GT(cpu_allocator::stats().bytes_cached, 0u);
  cpu_allocator::empty_cache();
  EXPECT_EQ(cpu_allocator::stats().bytes_cached, 0u);
}

}  // namespace
}  // namespace strata
