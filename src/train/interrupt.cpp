#include "strata/train/interrupt.h"

#include <signal.h>

#include <atomic>

namespace strata::train {
namespace {

std::atomic<int> arrived{0};  // lock-free, so the handler may store to it

void on_signal(int sig) { arrived.store(sig, std::memory_order_relaxed); }

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART | SA_RESETHAND;  // a second signal ends the process
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupt_requested() { return arrived.load(std::memory_order_relaxed) != 0; }

int interrupt_signal() { return arrived.load(std::memory_order_relaxed); }

void clear_interrupt() { arrived.store(0, std::memory_order_relaxed); }

}  // namespace strata::train
