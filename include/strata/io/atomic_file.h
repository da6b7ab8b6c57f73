#pragma once
// Whole-file writes that a crash or kill never leaves half done: the bytes go to a temporary file in the
// target's folder, are synced, and replace the target by rename (then the folder is synced too).
#include <string>
#include <string_view>

namespace strata::io {

// Writes `bytes` to `path` atomically (readers see the old file or the new one, never a mix); throws
// strata::Error naming the path and the failing step.
void write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace strata::io
