// Operator conformance of the ONNX importer on ONNX's own backend node tests (Debian libonnx-testdata: a
// model.onnx and reference inputs/outputs per case). Every case whose operators are all in the importer's
// table must pass with ONNX's backend-test tolerances (rtol 1e-3, atol 1e-7), except the cases listed with a
// reason in excluded() (data strata cannot hold, random masks). With STRATA_ONNX_REPORT=FILE the test also
// writes the Markdown conformance table of docs/onnx.md (scripts/gen-onnx-conformance).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "strata/autograd/grad_mode.h"
#include "strata/io/onnx_import.h"
#include "test_util.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

const char* kNodeTests = "/usr/share/libonnx-testdata/data/node";

struct CaseResult {
  std::string name;
  std::vector<std::string> ops;
  bool importable = false;  // every operator is in the importer's table
  bool passed = false;
  std::string message;
  std::string excluded;  // why the case cannot apply to strata, or ""
};

// Why a case is out of reach whatever the operators do: its data has a type strata has no tensor for, or its
// expected output is a random draw.
std::string excluded(const CaseResult& r) {
  if (r.name.find("training_dropout") != std::string::npos) return "random mask drawn by NumPy's generator";
  if (r.name.find("BFLOAT16") != std::string::npos) return "bfloat16 data stored as uint16 bit patterns";
  if (!r.passed && r.message.find("which strata does not support") != std::string::npos)
    return r.message.find("sequence") != std::string::npos ? "sequence or optional values" : "string tensors";
  return "";
}

// Compares with ONNX's backend-test rule |actual - expected| <= atol + rtol * |expected| (NaN matches NaN).
std::string compare(const Tensor& actual, const Tensor& expected, const std::string& what) {
  if (actual.shape() != expected.shape())
    return fmt::format("{}: shape {} != expected {}", what, actual.shape().str(), expected.shape().str());
  const std::vector<double> a = actual.to(kFloat64).contiguous().to_vector<double>();
  const std::vector<double> e = expected.to(kFloat64).contiguous().to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(e[i])) continue;
    if (std::isinf(e[i]) && a[i] == e[i]) continue;
    if (!(std::abs(a[i] - e[i]) <= 1e-7 + 1e-3 * std::abs(e[i])))
      return fmt::format("{}: element {} is {}, expected {}", what, i, a[i], e[i]);
  }
  return "";
}

std::vector<Tensor> read_numbered(const fs::path& dir, const char* prefix) {
  std::vector<Tensor> out;
  for (int i = 0;; ++i) {
    const fs::path p = dir / fmt::format("{}_{}.pb", prefix, i);
    if (!fs::exists(p)) return out;
    out.push_back(onnx::load_tensor_proto(p.string()));
  }
}

CaseResult run_case(const fs::path& dir, const std::set<std::string>& importable) {
  CaseResult r;
  r.name = dir.filename().string();
  const std::string model_path = (dir / "model.onnx").string();
  try {
    r.ops = onnx::model_operators(model_path);
  } catch (const Error& e) {
    r.message = e.what();
    return r;
  }
  r.importable =
      std::all_of(r.ops.begin(), r.ops.end(), [&](const auto& op) { return importable.count(op) > 0; });
  if (!r.importable) return r;
  try {
    autograd::NoGradGuard no_grad;
    auto model = onnx::import_model(model_path);
    model->eval();
    int sets = 0;
    for (int s = 0;; ++s) {
      const fs::path set = dir / fmt::format("test_data_set_{}", s);
      if (!fs::exists(set)) break;
      ++sets;
      const std::vector<Tensor> inputs = read_numbered(set, "input");
      const std::vector<Tensor> expected = read_numbered(set, "output");
      const std::vector<Tensor> outputs = model->forward(inputs);
      if (outputs.size() < expected.size()) {
        r.message = fmt::format("{} outputs, expected {}", outputs.size(), expected.size());
        return r;
      }
      for (size_t i = 0; i < expected.size(); ++i) {
        if (!outputs[i].defined()) {
          r.message = fmt::format("output {} is not computed", i);
          return r;
        }
        r.message = compare(outputs[i], expected[i], fmt::format("set {} output {}", s, i));
        if (!r.message.empty()) return r;
      }
    }
    if (sets == 0) {
      r.message = "no test data";
      return r;
    }
    r.passed = true;
  } catch (const std::exception& e) {
    r.message = e.what();
  }
  return r;
}

// The report: one row per operator of the importer with its cases (those using only importable operators
// and this one) and passes, then the operators the node tests use that strata does not import.
void write_report(const std::string& path, const std::vector<CaseResult>& results,
                  const std::set<std::string>& importable) {
  std::map<std::string, std::pair<int, int>> per_op;  // cases, passed
  std::set<std::string> missing;
  for (const auto& r : results) {
    for (const auto& op : r.ops) {
      if (!importable.count(op)) {
        missing.insert(op);
        continue;
      }
      if (!r.importable || !r.excluded.empty()) continue;
      auto& [cases, passed] = per_op[op];
      ++cases;
      passed += r.passed ? 1 : 0;
    }
  }
  std::ofstream out(path);
  out << "| operator | cases | passed |\n|---|---:|---:|\n";
  for (const auto& op : importable) {
    const auto [cases, passed] = per_op.count(op) ? per_op.at(op) : std::pair<int, int>{0, 0};
    out << fmt::format("| {} | {} | {} |\n", op, cases, passed);
  }
  out << fmt::format("\nOperators the node tests use that strata does not import ({}): {}.\n", missing.size(),
                     fmt::join(missing, ", "));
  std::vector<std::string> excluded_cases;
  for (const auto& r : results)
    if (r.importable && !r.excluded.empty())
      excluded_cases.push_back(fmt::format("`{}` ({})", r.name, r.excluded));
  out << fmt::format("\nCases left out ({}): {}.\n", excluded_cases.size(), fmt::join(excluded_cases, ", "));
}

TEST(OnnxImportConformance, EveryImportableOperatorPassesItsNodeTests) {
  ASSERT_TRUE(fs::is_directory(kNodeTests))
      << kNodeTests << " is missing: install Debian's libonnx-testdata (scripts/install-deps)";
  const std::vector<std::string> names = onnx::importable_operators();
  const std::set<std::string> importable(names.begin(), names.end());

  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(kNodeTests))
    if (fs::exists(e.path() / "model.onnx")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  ASSERT_GT(dirs.size(), 500u);

  std::vector<CaseResult> results;
  int cases = 0, passed = 0, left_out = 0;
  for (const auto& dir : dirs) {
    results.push_back(run_case(dir, importable));
    CaseResult& r = results.back();
    if (!r.importable) continue;
    r.excluded = excluded(r);
    if (!r.excluded.empty()) {
      ++left_out;
      continue;
    }
    ++cases;
    passed += r.passed ? 1 : 0;
    EXPECT_TRUE(r.passed) << r.name << " (" << fmt::format("{}", fmt::join(r.ops, ", "))
                          << "): " << r.message;
  }
  std::printf("onnx node tests: %zu cases, %d with importable operators, %d passed, %d left out\n",
              dirs.size(), cases, passed, left_out);
  EXPECT_GT(cases, 500);
  EXPECT_LT(left_out, 30);
  if (const char* report = std::getenv("STRATA_ONNX_REPORT")) write_report(report, results, importable);
}

}  // namespace
}  // namespace strata
