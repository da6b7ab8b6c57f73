// The installed package as a user meets it: `cmake --install` of this build into a temporary prefix, then
// tests/consumer (a project of its own) configured with find_package(strata), built, and run; the
// pkg-config file and the installed CLI are checked too.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "strata/version.h"
#include "temp_path.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command, capturing its output.
CommandResult run_command(const std::string& command) {
  CommandResult r;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>&1").c_str(), "r"), pclose);
  if (!pipe) return r;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe.get())) > 0) r.output.append(buffer, n);
  const int status = pclose(pipe.release());
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

TEST(Install, ConsumerBuildsAndRunsAgainstTheInstalledPackage) {
  const fs::path prefix = testing::unique_temp_path("install_prefix");
  const fs::path build = testing::unique_temp_path("install_consumer");
  const fs::path libdir = prefix / STRATA_INSTALL_LIBDIR;

  CommandResult install = run_command(fmt::format("{} --install {} --prefix {}", quote(STRATA_CMAKE_COMMAND),
                                                  quote(STRATA_BUILD_DIR), quote(prefix)));
  ASSERT_EQ(install.code, 0) << install.output;
  for (const fs::path& f :
       {prefix / "include/strata/strata.h", prefix / "include/strata/version.h",
        prefix / "include/strata/core/tensor.h", libdir / "libstrata.a", libdir / "libstrata_dist.a",
        prefix / "bin/strata", libdir / "cmake/strata/strataConfig.cmake",
        libdir / "cmake/strata/strataConfigVersion.cmake", libdir / "pkgconfig/strata.pc"})
    EXPECT_TRUE(fs::exists(f)) << f;
  // Private headers stay private.
  EXPECT_FALSE(fs::exists(prefix / "include/kernels"));

  CommandResult configure = run_command(
      fmt::format("{} -S {} -B {} -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH={}",
                  quote(STRATA_CMAKE_COMMAND), quote(STRATA_CONSUMER_DIR), quote(build), quote(prefix)));
  ASSERT_EQ(configure.code, 0) << configure.output;
  CommandResult compile =
      run_command(fmt::format("{} --build {}", quote(STRATA_CMAKE_COMMAND), quote(build)));
  ASSERT_EQ(compile.code, 0) << compile.output;
  CommandResult consumer = run_command(quote(build / "consumer"));
  EXPECT_EQ(consumer.code, 0) << consumer.output;
  EXPECT_NE(consumer.output.find(fmt::format("strata {}: loss", kVersion)), std::string::npos)
      << consumer.output;

  // pkg-config finds the same version and the installed headers, wherever the prefix was moved to.
  const std::string pc = "PKG_CONFIG_PATH=" + quote(libdir / "pkgconfig") + " pkg-config ";
  CommandResult version = run_command(pc + "--modversion strata");
  EXPECT_EQ(version.output, std::string(kVersion) + "\n");
  CommandResult cflags = run_command(pc + "--cflags-only-I strata");
  EXPECT_EQ(cflags.code, 0) << cflags.output;
  EXPECT_NE(cflags.output.find("include"), std::string::npos) << cflags.output;
  CommandResult include_dir = run_command(pc + "--variable=includedir strata");
  EXPECT_TRUE(fs::equivalent(fs::path(include_dir.output.substr(0, include_dir.output.find('\n'))),
                             prefix / "include"))
      << include_dir.output;

  CommandResult cli = run_command(quote(prefix / "bin/strata") + " --version");
  EXPECT_EQ(cli.code, 0) << cli.output;
  EXPECT_NE(cli.output.find(kVersion), std::string::npos) << cli.output;

  fs::remove_all(prefix);
  fs::remove_all(build);
}

}  // namespace
}  // namespace strata
