#include "strata/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "io/fd.h"
#include "strata/core/error.h"

namespace strata::io {
namespace {

bool write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

void write_file_atomic(const std::string& path, std::string_view bytes) {
  // Unique per process and call, so that threads writing the same target do not share a temporary file.
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = fmt::format("{}.tmp.{}.{}", path, ::getpid(), counter++);
  const auto fail = [&](const std::string& step) {
    const std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    STRATA_FAIL("write_file_atomic: {}: {}: {}", path, step, reason);
  };
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    const std::string reason = std::strerror(errno);
    STRATA_FAIL("write_file_atomic: {}: cannot create {}: {}", path, tmp, reason);
  }
  if (!write_all(fd.get(), bytes.data(), bytes.size())) fail("cannot write");
  if (::fsync(fd.get()) != 0) fail("cannot sync");
  if (fd.close() != 0) fail("cannot close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(fmt::format("cannot rename {} over it", tmp));
  // The rename itself survives a crash once the folder is synced; a failure here loses nothing written.
  const std::string dir = std::filesystem::path(path).parent_path().string();
  Fd dir_fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
}

}  // namespace strata::io
