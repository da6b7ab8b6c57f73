#pragma once
// Golden checks of whole zoo models against torchvision (scripts/gen_fixtures_zoo.py). The models are too big
// to store, so both sides fill every parameter and buffer with the same formula (fill below mirrors the
// script's `fill`) and the fixture holds the input, the logits in eval and train mode, the loss, and every
// parameter's gradient (in full when small, else as a summary), plus the buffers after the train-mode step.
// A model case `m` is checked in float64 (`m`, tight tolerance) and float32 (`m_f32`, the fast kernels).
#include <cmath>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "golden_util.h"
#include "strata/io/safetensors.h"
#include "strata/nn.h"

namespace strata::golden {

// ---- the deterministic fill -----------------------------------------------------------------------------

inline uint32_t fnv1a32(const std::string& text) {
  uint32_t h = 2166136261u;
  for (unsigned char b : text) h = (h ^ b) * 16777619u;
  return h;
}

// n values in [0, 1): murmur3's finaliser of (i * 0x9E3779B9 + fnv1a32(text)) mod 2^32, over 2^32.
inline std::vector<double> unit_values(const std::string& text, int64_t n) {
  const uint32_t h = fnv1a32(text);
  std::vector<double> u(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    uint32_t x = static_cast<uint32_t>(i) * 0x9E3779B9u + h;
    x ^= x >> 16;
    x *= 0x85EBCA6Bu;
    x ^= x >> 13;
    x *= 0xC2B2AE35u;
    x ^= x >> 16;
    u[static_cast<size_t>(i)] = static_cast<double>(x) / 4294967296.0;
  }
  return u;
}

inline std::vector<double> uniform_values(const std::string& text, int64_t n, double lo, double hi) {
  std::vector<double> v = unit_values(text, n);
  for (double& x : v) x = lo + (hi - lo) * x;
  return v;
}

// The formula's value of state-dict entry `name` shaped like `like`: f64, or i64 for num_batches_tracked.
inline Tensor fill_value(const std::string& name, const Tensor& like) {
  const std::string leaf = name.substr(name.rfind('.') + 1);
  const Shape& shape = like.shape();
  const int64_t n = like.numel();
  if (leaf == "num_batches_tracked") return full({}, fnv1a32(name) % 5, {.dtype = kInt64});
  auto values = [&](double lo, double hi) { return from_vector(uniform_values(name, n, lo, hi), shape); };
  if (leaf == "running_mean" || leaf == "bias") return values(-0.1, 0.1);
  if (leaf == "running_var") return values(0.5, 1.5);
  STRATA_CHECK(leaf == "weight", "fill: no formula for '{}'", name);
  if (shape.size() == 1) return values(0.5, 1.5);  // BatchNorm scale
  const double fan_in = static_cast<double>(n / shape[0]);
  const double bound = shape.size() == 4 ? std::sqrt(6.0 / fan_in) : 1.0 / std::sqrt(fan_in);
  return values(-bound, bound);
}

// Loads the formula's values into every parameter and buffer of `model` (strictly), in their dtypes.
inline void fill(nn::Module& model) {
  nn::StateDict state;
  for (const auto& [name, t] : model.state_dict()) state[name] = fill_value(name, t).to(t.dtype());
  model.load_state_dict(state);
}

// [sum g, sum |g|, sum g * probe, sqrt(sum g^2)] in float64, probe being the formula for "probe/<name>".
inline Tensor summary(const std::string& name, const Tensor& g) {
  const std::vector<double> v = g.contiguous().to_vector<double>();
  const std::vector<double> probe =
      uniform_values("probe/" + name, static_cast<int64_t>(v.size()), -1.0, 1.0);
  double sum = 0, abs_sum = 0, dot = 0, sq = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    sum += v[i];
    abs_sum += std::abs(v[i]);
    dot += v[i] * probe[i];
    sq += v[i] * v[i];
  }
  return from_vector<double>({sum, abs_sum, dot, std::sqrt(sq)});
}

// ---- comparisons ----------------------------------------------------------------------------------------

// Whole-model results drift with depth: errors are measured against the largest magnitude of the tensor.
inline double model_tolerance(Dtype dtype) { return dtype == kFloat64 ? 1e-9 : 2e-3; }

// Same shape, and |got - want| <= tol * max(max |want|, floor) everywhere. The floor keeps tensors that are
// zero up to rounding (the gradient of a bias just before a BatchNorm) from being judged on their noise.
inline ::testing::AssertionResult close_to_scale(const Tensor& got, const Tensor& want, double tol,
                                                 double floor = 0.0) {
  if (!got.defined()) return ::testing::AssertionFailure() << "is undefined";
  if (got.shape() != want.shape())
    return ::testing::AssertionFailure() << "has shape " << got.shape() << ", torchvision's " << want.shape();
  const auto g = got.to_vector<double>(), w = want.to_vector<double>();
  double scale = 0, worst = 0;
  for (double x : w) scale = std::max(scale, std::abs(x));
  scale = std::max(scale, floor);
  for (size_t i = 0; i < g.size(); ++i) {
    if (!std::isfinite(g[i])) return ::testing::AssertionFailure() << "element " << i << " is " << g[i];
    worst = std::max(worst, std::abs(g[i] - w[i]));
  }
  if (worst <= tol * scale + 1e-30) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "differs by up to " << worst << " (" << worst / scale << " of its largest magnitude " << scale
         << "; tolerance " << tol << ")";
}

// Summaries agree: each entry within tol of the scale sum |g| (sqrt(sum g^2) relative to itself), or of
// `floor` when that is larger (as for close_to_scale).
inline ::testing::AssertionResult summaries_close(const Tensor& got, const Tensor& want, double tol,
                                                  double floor = 0.0) {
  const auto g = got.to_vector<double>(), w = want.to_vector<double>();
  const double scale = std::max(w[1], floor);
  const char* what[] = {"sum", "sum |g|", "sum g * probe", "sqrt(sum g^2)"};
  for (size_t i = 0; i < 4; ++i) {
    const double s = i == 3 ? std::max(w[3], floor) : scale;
    if (!(std::abs(g[i] - w[i]) <= tol * s + 1e-30))
      return ::testing::AssertionFailure() << what[i] << ": strata " << g[i] << ", torchvision " << w[i]
                                           << " (tolerance " << tol << " of " << s << ")";
  }
  return ::testing::AssertionSuccess();
}

// ---- the fixture
// --------------------------------------------------------------------------------------------

inline const std::map<std::string, std::string>& fixture_metadata(const std::string& file) {
  static std::map<std::string, std::map<std::string, std::string>> cache;
  auto it = cache.find(file);
  if (it == cache.end())
    it = cache.emplace(file, io::read_safetensors(std::string(STRATA_FIXTURES_DIR) + "/" + file).metadata)
             .first;
  return it->second;
}

// "name dtype d0,d1,..." per state-dict entry, in registration order (torchvision's state_dict order: each
// module's parameters, then its buffers, then its children's, depth first).
inline std::vector<std::string> state_dict_spec(nn::Module& model) {
  std::vector<std::string> lines;
  for (const auto& [prefix, m] : model.named_modules()) {
    const std::string p = prefix.empty() ? "" : prefix + ".";
    auto add = [&](const std::string& name, const Tensor& t) {
      std::string dims;
      for (int64_t d : t.shape()) dims += (dims.empty() ? "" : ",") + std::to_string(d);
      lines.push_back(p + name + " " +
                      (t.dtype() == kInt64     ? "I64"
                       : t.dtype() == kFloat32 ? "F32"
                                               : "?") +
                      " " + dims);
    };
    for (const auto& [name, t] : m->named_parameters(false)) add(name, t);
    for (const auto& [name, t] : m->named_buffers(false)) add(name, t);
  }
  return lines;
}

// The model's state-dict names, shapes, dtypes and order equal torchvision's (`model` is fresh, float32).
inline void expect_state_dict_matches(const std::string& file, const std::string& model_case,
                                      nn::Module& model) {
  const auto& meta = fixture_metadata(file);
  auto it = meta.find(model_case + ".state_dict");
  ASSERT_NE(it, meta.end()) << file << " has no metadata '" << model_case << ".state_dict'";
  std::vector<std::string> want;
  std::istringstream lines(it->second);
  for (std::string line; std::getline(lines, line);) want.push_back(line);
  const std::vector<std::string> got = state_dict_spec(model);
  EXPECT_EQ(got.size(), want.size()) << model_case << ": number of state-dict entries";
  for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
    const std::string g = i < got.size() ? got[i] : "(none)", w = i < want.size() ? want[i] : "(none)";
    if (g != w) {
      ADD_FAILURE() << model_case << ": state-dict entry " << i << " is '" << g << "', torchvision's is '"
                    << w << "'";
      break;  // the first difference tells; the rest follow from it
    }
  }
  EXPECT_EQ(model.state_dict().size(), want.size()) << model_case << ": state_dict() size";
}

// Runs case `c` (`m` or `m_f32`) of `file` on `model` (fresh, float32): fills it with the formula, compares
// eval-mode logits, then train-mode logits, the loss, every parameter's gradient and the updated buffers.
// `f32_tol` overrides the float32 tolerance for deep models, where float32 rounding grows through the
// layers (the float64 case of the same model is what checks the arithmetic).
inline void expect_model_matches(const std::string& file, const std::string& c, nn::Module& model,
                                 double f32_tol = 0.0) {
  const auto& tensors = fixture(file);
  const bool f32 = c.ends_with("_f32");
  const std::string m = f32 ? c.substr(0, c.size() - 4) : c;
  const Dtype dtype = f32 ? kFloat32 : kFloat64;
  const double tol = f32 && f32_tol > 0 ? f32_tol : model_tolerance(dtype);
  std::set<std::string> used;
  auto stored = [&](const std::string& key) -> const Tensor& {
    auto it = tensors.find(key);
    STRATA_CHECK(it != tensors.end(), "golden: {} has no tensor '{}'", file, key);
    used.insert(key);
    return it->second;
  };
  model.to(dtype);
  fill(model);
  const Tensor x = stored(m + ".x").to(dtype);
  const Tensor target = stored(m + ".target");

  model.eval();
  {
    NoGradGuard no_grad;
    EXPECT_TRUE(close_to_scale(model.forward(x), stored(c + ".eval_out"), tol)) << c << ": eval-mode logits";
  }
  model.train();
  const Tensor out = model.forward(x);
  EXPECT_TRUE(close_to_scale(out, stored(c + ".train_out"), tol)) << c << ": train-mode logits";
  const Tensor loss = ops::cross_entropy(out, target);
  EXPECT_TRUE(close_to_scale(loss, stored(c + ".loss"), tol)) << c << ": loss";
  loss.backward();
  // A thousandth of the largest stored gradient: the scale below which a gradient is rounding noise.
  double floor = 0;
  for (const auto& [name, p] : model.named_parameters()) {
    auto it = tensors.find(c + ".grad." + name);
    if (it == tensors.end()) continue;
    for (double v : it->second.to_vector<double>()) floor = std::max(floor, 1e-3 * std::abs(v));
  }
  for (const auto& [name, p] : model.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << c << ": no gradient for " << name;
    if (tensors.count(c + ".grad." + name)) {
      EXPECT_TRUE(close_to_scale(p.grad(), stored(c + ".grad." + name), tol, floor))
          << c << ": gradient of " << name;
    } else {
      EXPECT_TRUE(summaries_close(summary(name, p.grad()), stored(c + ".grad_summary." + name), tol,
                                  floor * static_cast<double>(p.numel())))
          << c << ": gradient of " << name;
    }
  }
  for (const auto& [name, b] : model.named_buffers()) {
    if (tensors.count(c + ".buffer." + name)) {
      const Tensor& want = stored(c + ".buffer." + name);
      if (b.dtype() == kInt64) {
        EXPECT_TRUE(equal(b, want)) << c << ": buffer " << name;
      } else {
        EXPECT_TRUE(close_to_scale(b, want, tol)) << c << ": buffer " << name;
      }
    } else {
      EXPECT_TRUE(summaries_close(summary(name, b), stored(c + ".buffer_summary." + name), tol))
          << c << ": buffer " << name;
    }
  }
  // Every stored tensor of the case was checked (the C++ model has every parameter and buffer).
  for (auto it = tensors.lower_bound(c + "."); it != tensors.end() && it->first.starts_with(c + "."); ++it)
    EXPECT_TRUE(used.count(it->first)) << c << ": fixture tensor '" << it->first << "' was not checked";
}

// The fixture's case names (up to the first '.') are exactly `listed`.
inline void expect_model_cases(const std::string& file, const std::set<std::string>& listed) {
  EXPECT_EQ(fixture_cases(file), listed) << file << ": the cases";
}

}  // namespace strata::golden
