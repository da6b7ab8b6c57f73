#include "strata/core/threading.h"

#include <omp.h>

#include <cstdlib>
#include <string>

#include "strata/core/error.h"

namespace strata {
namespace {

// Applies STRATA_NUM_THREADS once at start-up.
struct ThreadsFromEnv {
  ThreadsFromEnv() {
    if (const char* env = std::getenv("STRATA_NUM_THREADS")) {
      const int n = std::atoi(env);
      if (n > 0) omp_set_num_threads(n);
    }
  }
};
const ThreadsFromEnv threads_from_env;

}  // namespace

void set_num_threads(int n) {
  STRATA_CHECK(n > 0, "set_num_threads: expected a positive thread count, got {}", n);
  omp_set_num_threads(n);
}

int get_num_threads() { return omp_get_max_threads(); }

}  // namespace strata
