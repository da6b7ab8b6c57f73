#pragma once
// The process group of a data-parallel run: MPI's world, started by `mpirun -np N`. Rank, world size and
// local rank come from the MPI environment; without mpirun a program is a world of one.
#include <chrono>

namespace strata::dist {

// Initialises MPI (once; later calls do nothing) and the watchdog's side channel. Collective: every rank
// calls it. Reads STRATA_DIST_TIMEOUT (seconds) for the watchdog bound when set.
void init();
// True once init() ran and finalize() has not.
bool is_initialized();
// This process's rank in [0, world_size()); 0 before init().
int rank();
// Number of processes; 1 before init().
int world_size();
// This process's rank among the processes on its host (for per-host resources); 0 before init().
int local_rank();
// Number of processes on this host; 1 before init().
int local_world_size();
// Finalises MPI (collective). After a fault (a collective that timed out) it leaves MPI without waiting for
// the ranks that failed.
void finalize();

// The bound within which a collective must complete before the watchdog raises an Error naming the rank
// that did not take part (default 30 s).
void set_timeout(std::chrono::milliseconds timeout);
std::chrono::milliseconds timeout();
// True after a collective failed (timed out or MPI reported an error): the group can no longer be used.
bool has_faulted();

}  // namespace strata::dist
