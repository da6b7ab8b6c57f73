#pragma once
// The watchdog's side channel (internal to src/dist): a communicator on which every rank waiting in a
// collective answers liveness probes, so a rank that times out can tell a dead or hung peer from one that
// waits elsewhere.
#include <string>

namespace strata::dist::detail {

// Creates the side channel (collective; called by init()).
void watchdog_start();
// Frees it (collective; called by finalize()).
void watchdog_stop();
// What the fault said (empty until has_faulted()).
std::string fault_message();

}  // namespace strata::dist::detail
