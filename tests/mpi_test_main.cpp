// main() of the mpi-labelled tests: initialises the process group, runs the tests on every rank, and lets
// rank 0 alone print (the other ranks report failures only). The exit status is nonzero on a rank whose tests
// failed, so mpirun (and ctest) fail. After a watchdog fault the peers may be dead or hung: the process
// leaves without MPI_Finalize (run such tests with --mca orte_allowed_exit_without_sync 1).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "strata/dist/process_group.h"

namespace {

// Prints only failed tests, prefixed with the rank (for ranks other than 0).
class FailurePrinter : public testing::EmptyTestEventListener {
 public:
  explicit FailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (result.failed()) {
      std::fprintf(stderr, "[rank %d] %s:%d: %s\n", rank_, result.file_name() ? result.file_name() : "?",
                   result.line_number(), result.summary());
    }
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  strata::dist::init();
  if (strata::dist::rank() != 0) {
    testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
    std::unique_ptr<testing::TestEventListener> quiet(listeners.Release(listeners.default_result_printer()));
    listeners.Append(std::make_unique<FailurePrinter>(strata::dist::rank()).release());  // gtest owns it
  }
  const int rc = RUN_ALL_TESTS();
  std::fflush(stdout);
  std::fflush(stderr);
  if (strata::dist::has_faulted()) std::_Exit(rc);
  strata::dist::finalize();
  return rc;
}
