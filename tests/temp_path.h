#pragma once
// Temporary paths no other test run can collide with: concurrent ctest runs (several build trees, several
// engineers, CI) share /tmp, so every name carries the process id and a per-process counter.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace strata::testing {

// A fresh path under the system temporary folder, "strata_<stem>_<pid>_<n><suffix>"; nothing is created.
inline std::filesystem::path unique_temp_path(const std::string& stem, const std::string& suffix = "") {
  static std::atomic<int> counter{0};
  const std::filesystem::path p =
      std::filesystem::temp_directory_path() /
      fmt::format("strata_{}_{}_{}{}", stem, static_cast<long>(::getpid()), counter.fetch_add(1), suffix);
  std::filesystem::remove_all(p);
  return p;
}

}  // namespace strata::testing
