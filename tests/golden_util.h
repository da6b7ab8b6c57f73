#pragma once
// Golden tests: run strata ops on the PyTorch fixtures written by scripts/gen_fixtures.py and compare
// results and gradients within float tolerance.
//
// A fixture case `c` holds inputs `c.<input>`, the result `c.out` (plus extras such as `c.indices`), and for
// differentiable ops an upstream gradient `c.grad_out` with the expected input gradients `c.grad_<input>`.
// A test lists its cases as GoldenCase{name, body}; the body fetches inputs with Case::in and returns the
// result. STRATA_GOLDEN_TESTS turns the list into one test per case plus a test that the list and the
// fixture file name the same cases, and every case checks that each of its fixture tensors was used.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "strata/io/safetensors.h"
#include "strata/nn/module.h"
#include "strata/strata.h"

namespace strata::golden {

class Case;
using CaseFn = std::function<Tensor(Case&)>;

struct GoldenCase {
  std::string name;
  CaseFn fn;
};

inline void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.name; }

// The gtest name of a parameterised case.
inline std::string case_name(const ::testing::TestParamInfo<GoldenCase>& info) { return info.param.name; }

// The same body for a float64 case `name` and its float32 twin `name_f32`.
inline std::vector<GoldenCase> f64_and_f32(const std::string& name, const CaseFn& fn) {
  return {{name, fn}, {name + "_f32", fn}};
}

// Joins lists of cases.
inline std::vector<GoldenCase> join(std::initializer_list<std::vector<GoldenCase>> lists) {
  std::vector<GoldenCase> all;
  for (const auto& l : lists) all.insert(all.end(), l.begin(), l.end());
  return all;
}

// The tensors of tests/fixtures/<file>, loaded once per process.
inline const std::map<std::string, Tensor>& fixture(const std::string& file) {
  static std::map<std::string, std::map<std::string, Tensor>> cache;
  auto it = cache.find(file);
  if (it == cache.end())
    it = cache.emplace(file, io::load_safetensors(std::string(STRATA_FIXTURES_DIR) + "/" + file)).first;
  return it->second;
}

// The case names of a fixture file: each tensor name up to its first '.'.
inline std::set<std::string> fixture_cases(const std::string& file) {
  std::set<std::string> names;
  for (const auto& [key, t] : fixture(file)) names.insert(key.substr(0, key.find('.')));
  return names;
}

// Relative and absolute tolerance for comparing against PyTorch in `dtype`.
struct Tolerance {
  double rtol;
  double atol;
};
inline Tolerance tolerance(Dtype dtype) {
  return dtype == kFloat32 ? Tolerance{1e-5, 1e-6} : Tolerance{1e-10, 1e-12};
}

// Same dtype and shape, and values within tolerance (exact for integer dtypes; NaN and inf must match).
// `scale` widens the float tolerance for results that sum many rounded terms (deep layer stacks in f32).
inline ::testing::AssertionResult all_close(const Tensor& got, const Tensor& want, double scale = 1.0) {
  if (!got.defined()) return ::testing::AssertionFailure() << "is undefined";
  if (got.dtype() != want.dtype())
    return ::testing::AssertionFailure() << "has dtype " << got.dtype() << ", PyTorch's has " << want.dtype();
  if (got.shape() != want.shape())
    return ::testing::AssertionFailure() << "has shape " << got.shape() << ", PyTorch's has " << want.shape();
  Tolerance tol = is_floating(want.dtype()) ? tolerance(want.dtype()) : Tolerance{0, 0};
  tol.rtol *= scale;
  tol.atol *= scale;
  const auto g = got.to_vector<double>(), w = want.to_vector<double>();
  std::ostringstream detail;
  int64_t bad = 0;
  double worst = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const bool same = g[i] == w[i] || (std::isnan(g[i]) && std::isnan(w[i])) ||
                      (std::isfinite(w[i]) && std::abs(g[i] - w[i]) <= tol.atol + tol.rtol * std::abs(w[i]));
    if (same) continue;
    worst = std::max(worst, std::abs(g[i] - w[i]));
    if (bad++ < 6) {
      // Row-major multi-index of flat element i.
      Shape index = want.shape();
      for (int64_t d = want.dim() - 1, rest = static_cast<int64_t>(i); d >= 0; --d) {
        index[static_cast<size_t>(d)] = rest % want.size(d);
        rest /= want.size(d);
      }
      detail << fmt::format("\n  at {}: strata {:.17g}, PyTorch {:.17g}", index.str(), g[i], w[i]);
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << g.size() << " elements differ (largest |error| " << worst << ", rtol "
         << tol.rtol << ", atol " << tol.atol << ")" << detail.str();
}

// One fixture case while it runs: hands out inputs, checks results, tracks which tensors were used.
class Case {
 public:
  Case(const std::map<std::string, Tensor>& tensors, std::string name)
      : tensors_(tensors), name_(std::move(name)) {
    STRATA_CHECK(tensors_.count(key("out")), "golden: the fixture has no case '{}' (tensor '{}.out')", name_,
                 name_);
  }
  const std::string& name() const { return name_; }

  // Input `<case>.<input>`: a fresh leaf, requiring grad when the fixture holds its gradient.
  Tensor in(const std::string& input) {
    auto it = inputs_.find(input);
    if (it != inputs_.end()) return it->second;
    Tensor leaf = stored(input).detach();
    if (has("grad_" + input) && has("grad_out")) leaf.requires_grad_();
    return inputs_.emplace(input, leaf).first->second;
  }

  // True when the case stores `<case>.<part>` (an optional input such as a mask).
  bool contains(const std::string& part) const { return has(part); }

  // Loads the case's state dict `<case>.param.<name>` into `module` (converted to the case's dtype; strict:
  // the names must be exactly the module's), and has finish() check every parameter's gradient against
  // `<case>.grad_param.<name>`.
  void load_parameters(nn::Module& module) {
    module.to(tensors_.at(key("out")).dtype());
    nn::StateDict state;
    const std::string prefix = key("param.");
    for (auto it = tensors_.lower_bound(prefix); it != tensors_.end() && it->first.starts_with(prefix);
         ++it) {
      state[it->first.substr(prefix.size())] = it->second;
      used_.insert(it->first);
    }
    module.load_state_dict(state);
    parameters_ = module.named_parameters();
  }

  // Widens this case's float tolerance by `scale` (results that sum many rounded terms).
  void widen_tolerance(double scale) { scale_ = scale; }

  // Checks a result against `<case>.<result>`.
  void expect(const std::string& result, const Tensor& got) {
    EXPECT_TRUE(all_close(got, stored(result), scale_)) << name_ << ": result '" << result << "'";
  }

  // Checks the result and, for differentiable cases, every input gradient; then that no fixture tensor of the
  // case went unused (a sign the test and the generator drifted apart).
  void finish(const Tensor& out) {
    expect("out", out);
    if (has("grad_out")) {
      const Tensor& grad_out = stored("grad_out");
      if (!out.defined() || !out.requires_grad()) {
        ADD_FAILURE() << name_ << ": the result does not require grad, but PyTorch differentiates it";
      } else {
        out.backward(grad_out);
        for (const auto& [input, leaf] : inputs_) {
          if (!has("grad_" + input)) continue;
          const Tensor grad = leaf.grad().defined() ? leaf.grad() : zeros_like(leaf);
          EXPECT_TRUE(all_close(grad, stored("grad_" + input), scale_))
              << name_ << ": gradient of '" << input << "'";
        }
        for (const auto& [pname, p] : parameters_) {
          const Tensor grad = p.grad().defined() ? p.grad() : zeros_like(p);
          EXPECT_TRUE(all_close(grad, stored("grad_param." + pname), scale_))
              << name_ << ": gradient of parameter '" << pname << "'";
        }
      }
    }
    for (auto it = tensors_.lower_bound(name_ + ".");
         it != tensors_.end() && it->first.starts_with(name_ + "."); ++it)
      EXPECT_TRUE(used_.count(it->first))
          << name_ << ": fixture tensor '" << it->first << "' was not checked";
  }

 private:
  std::string key(const std::string& part) const { return name_ + "." + part; }
  bool has(const std::string& part) const { return tensors_.count(key(part)) > 0; }
  const Tensor& stored(const std::string& part) {
    auto it = tensors_.find(key(part));
    STRATA_CHECK(it != tensors_.end(), "golden: the fixture has no tensor '{}'", key(part));
    used_.insert(it->first);
    return it->second;
  }

  const std::map<std::string, Tensor>& tensors_;
  std::string name_;
  std::map<std::string, Tensor> inputs_;
  std::vector<std::pair<std::string, Tensor>> parameters_;
  double scale_ = 1.0;
  std::set<std::string> used_;
};

// Runs one case of `file` and checks everything it stores.
inline void run(const std::string& file, const GoldenCase& c) {
  Case golden(fixture(file), c.name);
  golden.finish(c.fn(golden));
}

// The test's case list and the fixture file must name the same cases.
inline void expect_covers(const std::string& file, const std::vector<GoldenCase>& cases) {
  std::set<std::string> listed;
  for (const auto& c : cases)
    EXPECT_TRUE(listed.insert(c.name).second) << "case '" << c.name << "' listed twice";
  const std::set<std::string> stored = fixture_cases(file);
  for (const auto& name : stored)
    EXPECT_TRUE(listed.count(name)) << file << ": case '" << name << "' has no test";
  for (const auto& name : listed)
    EXPECT_TRUE(stored.count(name)) << file << ": no fixture for case '" << name << "'";
}

}  // namespace strata::golden

// Defines Suite.CoversEveryFixtureCase and Fixtures/SuiteCase.MatchesPyTorch/<case> for each case of
// cases_fn().
#define STRATA_GOLDEN_TESTS(Suite, file, cases_fn)                                           \
  TEST(Suite, CoversEveryFixtureCase) { ::strata::golden::expect_covers(file, cases_fn()); } \
  class Suite##Case : public ::testing::TestWithParam<::strata::golden::GoldenCase> {};      \
  TEST_P(Suite##Case, MatchesPyTorch) { ::strata::golden::run(file, GetParam()); }           \
  INSTANTIATE_TEST_SUITE_P(Fixtures, Suite##Case, ::testing::ValuesIn(cases_fn()),           \
                           ::strata::golden::case_name)
