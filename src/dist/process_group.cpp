// The process group: MPI's world, initialised once. Collectives run on a duplicate of MPI_COMM_WORLD with
// MPI_ERRORS_RETURN (a failed call becomes a strata::Error, not an abort); the watchdog answers liveness
// probes on a second duplicate so that they never match a collective's messages.
#include "strata/dist/process_group.h"

#include <cstdlib>
#include <string>

#include "dist/mpi_comm.h"
#include "dist/watchdog.h"
#include "strata/core/error.h"

namespace strata::dist {
namespace {

struct State {
  bool initialized = false;
  bool owns_mpi = false;  // init() called MPI_Init (so finalize() calls MPI_Finalize)
  int rank = 0;
  int size = 1;
  int local_rank = 0;
  int local_size = 1;
  MPI_Comm comm = MPI_COMM_NULL;
};

State& state() {
  static State s;
  return s;
}

}  // namespace

void init() {
  State& s = state();
  if (s.initialized) return;
  int already = 0;
  MPI_Initialized(&already);
  if (!already) {
    int provided = 0;
    // FUNNELED: only the thread that called init() makes MPI calls (backward runs on it too).
    STRATA_CHECK(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) == MPI_SUCCESS,
                 "dist::init: MPI_Init_thread failed");
    s.owns_mpi = true;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &s.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &s.size);
  MPI_Comm_dup(MPI_COMM_WORLD, &s.comm);
  MPI_Comm_set_errhandler(s.comm, MPI_ERRORS_RETURN);
  MPI_Comm local = MPI_COMM_NULL;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, s.rank, MPI_INFO_NULL, &local);
  MPI_Comm_rank(local, &s.local_rank);
  MPI_Comm_size(local, &s.local_size);
  MPI_Comm_free(&local);
  if (const char* env = std::getenv("STRATA_DIST_TIMEOUT")) {
    char* end = nullptr;
    const double seconds = std::strtod(env, &end);
    STRATA_CHECK(end != env && *end == '\0' && seconds > 0,
                 "dist::init: STRATA_DIST_TIMEOUT must be a positive number of seconds, got '{}'", env);
    set_timeout(std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
  }
  detail::watchdog_start();
  s.initialized = true;
}

bool is_initialized() { return state().initialized; }
int rank() { return state().rank; }
int world_size() { return state().size; }
int local_rank() { return state().local_rank; }
int local_world_size() { return state().local_size; }

void finalize() {
  State& s = state();
  if (!s.initialized) return;
  s.initialized = false;
  if (has_faulted()) {
    // Peers may be dead or hung inside a collective: MPI_Finalize would wait for them. Take the job down.
    MPI_Abort(MPI_COMM_WORLD, 1);
    return;
  }
  detail::watchdog_stop();
  MPI_Comm_free(&s.comm);
  if (s.owns_mpi) MPI_Finalize();
}

namespace detail {

MPI_Comm comm(const char* op) {
  STRATA_CHECK(state().initialized,
               "dist::{}: the process group is not initialised (call dist::init() first)", op);
  STRATA_CHECK(!has_faulted(), "dist::{}: the process group faulted earlier ({}); it cannot be used again",
               op, fault_message());
  return state().comm;
}

}  // namespace detail
}  // namespace strata::dist
