#pragma once
// Helpers shared by the ONNX tests: running a model file in onnxruntime (npm onnxruntime-node, through
// scripts/onnx_run.mjs) and comparing its outputs with strata's, and Python's full ONNX check.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "strata/io/onnx.h"
#include "strata/io/safetensors.h"
#include "strata/strata.h"

namespace strata::testing {

// The repository's scripts/ folder (tests/fixtures/../../scripts).
inline std::string scripts_dir() {
  return (std::filesystem::path(STRATA_FIXTURES_DIR).parent_path().parent_path() / "scripts").string();
}

// A fresh scratch folder for one test's files, removed by the caller's ScratchDir.
struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = std::filesystem::temp_directory_path() / fmt::format("strata_onnx_{}_{}_{}",
                                                                info ? info->test_suite_name() : "t",
                                                                info ? info->name() : "t", ::getpid());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// Runs `command` through the shell; returns its exit status and fills `output` with stdout and stderr.
inline int run_command(const std::string& command, std::string& output) {
  output.clear();
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Runs the ONNX model at `model` in onnxruntime on `inputs` (by graph input name) and returns its outputs by
// graph output name. Installs onnxruntime-node into the cache first when it is missing (idempotent). A
// failure to run is a test failure carrying onnxruntime's message; the map is then empty.
inline std::map<std::string, Tensor> run_onnxruntime(const std::string& model,
                                                     const std::map<std::string, Tensor>& inputs) {
  std::string log;
  if (run_command(scripts_dir() + "/install-onnxruntime", log) != 0) {
    ADD_FAILURE() << "scripts/install-onnxruntime failed:\n" << log;
    return {};
  }
  const std::string in = model + ".inputs.safetensors", out = model + ".outputs.safetensors";
  io::save_safetensors(in, inputs);
  const int rc =
      run_command(fmt::format("node '{}/onnx_run.mjs' '{}' '{}' '{}'", scripts_dir(), model, in, out), log);
  std::filesystem::remove(in);
  if (rc != 0) {
    ADD_FAILURE() << "onnxruntime failed on " << model << ":\n" << log;
    return {};
  }
  auto result = io::load_safetensors(out);
  std::filesystem::remove(out);
  return result;
}

// One model run for run_onnxruntime_batch.
struct OnnxRun {
  std::string model;
  std::map<std::string, Tensor> inputs;
};

// Runs every model in one onnxruntime process (node starts once) and returns their outputs in order; an empty
// vector (and a test failure carrying onnxruntime's message) when any run fails.
inline std::vector<std::map<std::string, Tensor>> run_onnxruntime_batch(const std::vector<OnnxRun>& runs) {
  std::string log;
  if (run_command(scripts_dir() + "/install-onnxruntime", log) != 0) {
    ADD_FAILURE() << "scripts/install-onnxruntime failed:\n" << log;
    return {};
  }
  std::string command = fmt::format("node '{}/onnx_run.mjs'", scripts_dir());
  for (size_t i = 0; i < runs.size(); ++i) {
    const std::string in = fmt::format("{}.{}.inputs.safetensors", runs[i].model, i);
    io::save_safetensors(in, runs[i].inputs);
    command += fmt::format(" '{}' '{}' '{}.{}.outputs.safetensors'", runs[i].model, in, runs[i].model, i);
  }
  const int rc = run_command(command, log);
  std::vector<std::map<std::string, Tensor>> results;
  for (size_t i = 0; i < runs.size(); ++i) {
    std::filesystem::remove(fmt::format("{}.{}.inputs.safetensors", runs[i].model, i));
    const std::string out = fmt::format("{}.{}.outputs.safetensors", runs[i].model, i);
    if (rc == 0) results.push_back(io::load_safetensors(out));
    std::filesystem::remove(out);
  }
  if (rc != 0) {
    ADD_FAILURE() << "onnxruntime failed:\n" << log;
    return {};
  }
  return results;
}

// Asserts that `actual` (onnxruntime) matches `expected` (strata) in shape and within `rtol` relative error,
// measured against the largest magnitude of `expected` (so values near zero do not dominate).
inline void expect_onnx_close(const Tensor& actual, const Tensor& expected, double rtol = 1e-4,
                              const std::string& what = "output") {
  ASSERT_EQ(actual.shape(), expected.shape())
      << what << ": onnxruntime " << actual.shape() << " vs strata " << expected.shape();
  if (expected.numel() == 0) return;
  const Tensor a = actual.to(kFloat64).contiguous(), e = expected.detach().to(kFloat64).contiguous();
  const double* pa = a.data_ptr<double>();
  const double* pe = e.data_ptr<double>();
  double scale = 0.0, worst = 0.0;
  int64_t worst_at = 0;
  for (int64_t i = 0; i < e.numel(); ++i) scale = std::max(scale, std::abs(pe[i]));
  scale = std::max(scale, 1e-6);
  for (int64_t i = 0; i < e.numel(); ++i) {
    const double err = std::abs(pa[i] - pe[i]) / scale;
    if (!(err <= worst)) {  // catches NaN too
      worst = std::isnan(err) ? INFINITY : err;
      worst_at = i;
    }
  }
  EXPECT_LE(worst, rtol) << what << ": worst relative error " << worst << " at flat index " << worst_at
                         << " (onnxruntime " << pa[worst_at] << ", strata " << pe[worst_at] << ", scale "
                         << scale << ")";
}

// Whether Debian's python3-onnx is importable by /usr/bin/python3.
inline bool python_onnx_available() {
  std::string log;
  return run_command("/usr/bin/python3 -c 'import onnx'", log) == 0;
}

// Asserts that Python's onnx.checker.check_model(path, full_check=True) accepts the model file.
inline void expect_python_full_check(const std::string& model) {
  std::string log;
  const int rc = run_command(fmt::format("/usr/bin/python3 -c 'import sys, onnx; "
                                         "onnx.checker.check_model(sys.argv[1], full_check=True)' '{}'",
                                         model),
                             log);
  EXPECT_EQ(rc, 0) << "python onnx.checker.check_model(full_check=True) rejects " << model << ":\n" << log;
}

}  // namespace strata::testing
