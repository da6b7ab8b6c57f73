#pragma once
// Helpers shared by the data tests: a dataset whose examples encode their index, and error assertions.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "strata/data.h"
#include "test_util.h"

namespace strata::data::testing {

// Example i: input f32 [2] = {i, -i}, target i64 0-dim = i. Optionally throws at one index and/or sleeps per
// example (to keep workers busy), and counts get() calls.
class IndexDataset : public Dataset {
 public:
  explicit IndexDataset(int64_t n, int64_t throw_at = -1, int sleep_us = 0)
      : n_(n), throw_at_(throw_at), sleep_us_(sleep_us) {}
  int64_t size() const override { return n_; }
  Example get(int64_t index) const override {
    calls_.fetch_add(1, std::memory_order_relaxed);
    STRATA_CHECK(index >= 0 && index < n_, "IndexDataset: index {} is out of range for a dataset of size {}",
                 index, n_);
    if (index == throw_at_) STRATA_FAIL("IndexDataset: example {} is broken", index);
    if (sleep_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    return {from_vector<float>({static_cast<float>(index), -static_cast<float>(index)}),
            scalar_tensor(static_cast<double>(index), {.dtype = kInt64})};
  }
  int64_t calls() const { return calls_.load(); }

 private:
  int64_t n_, throw_at_;
  int sleep_us_;
  mutable std::atomic<int64_t> calls_{0};
};

}  // namespace strata::data::testing
