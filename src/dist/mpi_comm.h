#pragma once
// MPI inside strata's dist layer: the communicators, dtype mapping, error checks and the watchdog's
// deadline-bounded wait. Only src/dist includes this header (and so mpi.h).
#include <mpi.h>

#include <cstdint>

#include "strata/core/dtype.h"
#include "strata/core/tensor.h"

namespace strata::dist::detail {

// The communicator collectives run on: a duplicate of MPI_COMM_WORLD that returns errors instead of
// aborting. Throws when init() has not run.
MPI_Comm comm(const char* op);
// Throws strata::Error "dist: <op>: <MPI's message>" when rc is not MPI_SUCCESS (and marks the group
// faulted).
void check(int rc, const char* op);
// The MPI datatype of a strata dtype; throws naming the op for dtypes MPI cannot reduce.
MPI_Datatype mpi_dtype(Dtype dtype, const char* op);
// Throws unless `t` is a defined CPU tensor.
void check_tensor(const Tensor& t, const char* op);

// Starts collective number n (counted per process) named `op`; the watchdog reports it when it times out.
void begin_collective(const char* op);
// Waits for `requests` (non-blocking MPI operations) while answering the watchdog's liveness probes. After
// timeout() it probes every other rank and throws an Error naming those that did not answer (dead or hung)
// or that wait in another collective; the group is then faulted.
void wait_all(MPI_Request* requests, int count, const char* op);
// Advances `requests` without blocking (lets MPI progress a collective while the caller computes); true
// when all completed.
bool test_all(MPI_Request* requests, int count, const char* op);

}  // namespace strata::dist::detail
