// The fault watchdog. Every collective is issued non-blocking and waited for by polling (MPI_Testall) against
// a deadline, so no rank blocks forever inside MPI. While it polls, a rank also answers liveness probes on a
// side communicator with its position: the number of the collective it is in, and which one.
//
// When the deadline passes (timeout() minus a probe window), the waiting rank probes every peer and waits up
// to the probe window for answers. A peer that does not answer is dead (exited, crashed) or hung (stuck in
// computation, never reaching the collective); a peer that answers from another collective is out of step.
// The Error names them, and the group is marked faulted: the collective's buffers may still be written by
// MPI, so nothing else may run on it (finalize() then aborts the job rather than wait for the dead).
#include "dist/watchdog.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dist/mpi_comm.h"
#include "strata/core/error.h"
#include "strata/dist/process_group.h"

namespace strata::dist {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kProbeTag = 7101;
constexpr int kAnswerTag = 7102;

struct Watchdog {
  std::chrono::milliseconds timeout{30000};
  std::atomic<bool> faulted{false};
  std::string fault;
  MPI_Comm side = MPI_COMM_NULL;
  int64_t sequence = 0;          // collectives begun by this rank
  const char* current = "none";  // the collective begun last
  // Answers in flight (their buffers live until the send completes).
  std::deque<std::pair<MPI_Request, std::array<int64_t, 2>>> answers;
};

Watchdog& dog() {
  static Watchdog w;
  return w;
}

// Names of the collectives, so an answer can say which one a rank waits in by number.
constexpr std::array<const char*, 8> kOps = {"none",    "all_reduce",        "broadcast",      "all_gather",
                                             "barrier", "bucket all_reduce", "reduce_scatter", "other"};

int64_t op_code(const char* op) {
  for (size_t i = 0; i < kOps.size(); ++i) {
    if (std::string(kOps[i]) == op) return static_cast<int64_t>(i);
  }
  return static_cast<int64_t>(kOps.size() - 1);
}

[[noreturn]] void fail(const std::string& message) {
  Watchdog& w = dog();
  w.fault = message;
  w.faulted = true;
  throw Error(message);
}

// Answers every pending probe with this rank's position, and frees answers that were delivered.
void serve() {
  Watchdog& w = dog();
  if (w.side == MPI_COMM_NULL) return;
  while (true) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, kProbeTag, w.side, &flag, &status);
    if (!flag) break;
    int64_t probe = 0;
    MPI_Recv(&probe, 1, MPI_INT64_T, status.MPI_SOURCE, kProbeTag, w.side, MPI_STATUS_IGNORE);
    w.answers.emplace_back(MPI_REQUEST_NULL, std::array<int64_t, 2>{w.sequence, op_code(w.current)});
    auto& [request, payload] = w.answers.back();
    MPI_Isend(payload.data(), 2, MPI_INT64_T, status.MPI_SOURCE, kAnswerTag, w.side, &request);
  }
  while (!w.answers.empty()) {
    int done = 0;
    MPI_Test(&w.answers.front().first, &done, MPI_STATUS_IGNORE);
    if (!done) break;
    w.answers.pop_front();
  }
}

// Probes every peer and waits up to `window` for their answers; returns the diagnosis.
std::string diagnose(std::chrono::milliseconds window) {
  Watchdog& w = dog();
  const int size = world_size();
  const int me = rank();
  std::vector<MPI_Request> sends(static_cast<size_t>(size), MPI_REQUEST_NULL);
  std::vector<MPI_Request> recvs(static_cast<size_t>(size), MPI_REQUEST_NULL);
  std::vector<std::array<int64_t, 2>> answers(static_cast<size_t>(size), {-1, 0});
  std::vector<char> answered(static_cast<size_t>(size), 0);
  int64_t probe = w.sequence;
  for (int r = 0; r < size; ++r) {
    if (r == me) continue;
    MPI_Irecv(answers[static_cast<size_t>(r)].data(), 2, MPI_INT64_T, r, kAnswerTag, w.side,
              &recvs[static_cast<size_t>(r)]);
    MPI_Isend(&probe, 1, MPI_INT64_T, r, kProbeTag, w.side, &sends[static_cast<size_t>(r)]);
  }
  const auto end = Clock::now() + window;
  int pending = size - 1;
  while (pending > 0 && Clock::now() < end) {
    serve();
    for (int r = 0; r < size; ++r) {
      auto& req = recvs[static_cast<size_t>(r)];
      if (r == me || answered[static_cast<size_t>(r)] || req == MPI_REQUEST_NULL) continue;
      int done = 0;
      MPI_Test(&req, &done, MPI_STATUS_IGNORE);
      if (done) {
        answered[static_cast<size_t>(r)] = 1;
        --pending;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::string silent, elsewhere;
  for (int r = 0; r < size; ++r) {
    if (r == me) continue;
    if (!answered[static_cast<size_t>(r)]) {
      silent += (silent.empty() ? "" : ", ") + std::to_string(r);
    } else {
      const auto& a = answers[static_cast<size_t>(r)];
      if (a[0] != w.sequence) {
        elsewhere +=
            fmt::format("{}rank {} is in collective #{} ({})", elsewhere.empty() ? "" : "; ", r, a[0],
                        kOps[static_cast<size_t>(std::clamp<int64_t>(a[1], 0, kOps.size() - 1))]);
      }
    }
  }
  std::string out;
  if (!silent.empty()) {
    out = fmt::format("rank{} {} did not answer within {} ms (dead, or hung outside the collective)",
                      silent.find(',') == std::string::npos ? "" : "s", silent, window.count());
  }
  if (!elsewhere.empty()) out += (out.empty() ? "" : "; ") + elsewhere;
  if (out.empty()) out = "every rank answered from this collective (MPI made no progress)";
  return out;
}

}  // namespace

void set_timeout(std::chrono::milliseconds timeout) {
  STRATA_CHECK(timeout.count() > 0, "dist::set_timeout: the timeout must be positive, got {} ms",
               timeout.count());
  dog().timeout = timeout;
}
std::chrono::milliseconds timeout() { return dog().timeout; }
bool has_faulted() { return dog().faulted; }

namespace detail {

std::string fault_message() { return dog().fault; }

void watchdog_start() {
  Watchdog& w = dog();
  MPI_Comm_dup(MPI_COMM_WORLD, &w.side);
  MPI_Comm_set_errhandler(w.side, MPI_ERRORS_RETURN);
}

void watchdog_stop() {
  Watchdog& w = dog();
  for (auto& [request, payload] : w.answers) MPI_Wait(&request, MPI_STATUS_IGNORE);
  w.answers.clear();
  if (w.side != MPI_COMM_NULL) MPI_Comm_free(&w.side);
}

void check(int rc, const char* op) {
  if (rc == MPI_SUCCESS) return;
  std::array<char, MPI_MAX_ERROR_STRING> text{};
  int length = 0;
  MPI_Error_string(rc, text.data(), &length);
  fail(fmt::format("dist::{} on rank {}: MPI error: {}", op, rank(), std::string(text.data(), length)));
}

void begin_collective(const char* op) {
  Watchdog& w = dog();
  ++w.sequence;
  w.current = op;
}

bool test_all(MPI_Request* requests, int count, const char* op) {
  int done = 0;
  check(MPI_Testall(count, requests, &done, MPI_STATUSES_IGNORE), op);
  serve();
  return done != 0;
}

void wait_all(MPI_Request* requests, int count, const char* op) {
  Watchdog& w = dog();
  const auto start = Clock::now();
  // The last part of the bound is kept for probing the peers, so the Error comes within timeout().
  const auto window = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(2000), w.timeout / 5);
  const auto deadline = start + (w.timeout - window);
  int spins = 0;
  while (!test_all(requests, count, op)) {
    if (Clock::now() >= deadline) {
      const std::string why = diagnose(window);
      const double waited = std::chrono::duration<double>(Clock::now() - start).count();
      fail(fmt::format("dist::{} (collective #{}) on rank {} of {} did not complete within {:.1f} s: {}", op,
                       w.sequence, rank(), world_size(), waited, why));
    }
    // Poll hard for a short while (a collective on loopback takes microseconds), then back off so a rank
    // that waits for a slow peer leaves the core to it.
    if (++spins > 200) std::this_thread::sleep_for(std::chrono::microseconds(spins > 2000 ? 1000 : 50));
  }
}

}  // namespace detail
}  // namespace strata::dist
