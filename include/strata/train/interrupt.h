#pragma once
// Graceful interruption of training: SIGINT and SIGTERM set a flag that Trainer::fit checks after every
// step (it then stops, leaving the last whole epoch's checkpoint to resume from); a second signal of the
// same kind ends the process at once.
namespace strata::train {

// Installs the SIGINT and SIGTERM handlers (idempotent).
void install_interrupt_handlers();
// Whether a handled signal has arrived.
bool interrupt_requested();
// The signal that arrived (SIGINT or SIGTERM), or 0.
int interrupt_signal();
// Forgets an arrived signal (tests).
void clear_interrupt();

}  // namespace strata::train
