#pragma once
// One knob for parallelism: the OpenMP pool shared by strata's loops and oneDNN.
#include <cstdint>

namespace strata {

// Sets the number of threads (env STRATA_NUM_THREADS sets the initial value).
void set_num_threads(int n);
int get_num_threads();

// Elements below which elementwise loops stay single-threaded (measured: thread wake-up costs more).
inline constexpr int64_t kElementwiseGrain = 32768;

}  // namespace strata
