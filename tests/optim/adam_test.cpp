// Adam and AdamW: hand-computed steps, L2 vs decoupled weight decay, amsgrad, defaults, state dicts, errors.
#include "strata/optim/adam.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "strata/strata.h"
#include "test_util.h"

namespace strata::optim {
namespace {

using ::testing::HasSubstr;

Tensor leaf(const std::vector<double>& v) {
  Tensor t = from_vector<double>(v);
  t.requires_grad_();
  return t;
}

void give_grad(Tensor& p, const std::vector<double>& g) { p.set_grad(from_vector<double>(g, p.shape())); }

// Scalar Adam, written out from the algorithm in PyTorch's documentation.
struct ScalarAdam {
  double lr, beta1, beta2, eps, wd;
  bool decoupled, amsgrad;
  double m = 0, v = 0, vmax = 0;
  int step = 0;
  double update(double p, double g) {
    ++step;
    if (decoupled)
      p *= 1 - lr * wd;
    else
      g += wd * p;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    vmax = std::max(vmax, v);
    const double m_hat = m / (1 - std::pow(beta1, step));
    const double v_hat = (amsgrad ? vmax : v) / (1 - std::pow(beta2, step));
    return p - lr * m_hat / (std::sqrt(v_hat) + eps);
  }
};

TEST(Adam, FirstStepMovesByTheLearningRate) {
  Tensor p = leaf({1.0, -2.0});
  Adam opt({p}, {.lr = 0.1});
  give_grad(p, {0.5, -0.1});
  opt.step();
  // m_hat = g and v_hat = g^2 after one step, so the update is lr * g / (|g| + eps).
  const auto v = p.to_vector<double>();
  EXPECT_NEAR(v[0], 1.0 - 0.1 * 0.5 / (0.5 + 1e-8), 1e-13);
  EXPECT_NEAR(v[1], -2.0 + 0.1 * 0.1 / (0.1 + 1e-8), 1e-13);
}

TEST(Adam, MatchesTheScalarAlgorithmOverSeveralSteps) {
  const std::vector<double> grads = {1.0, 0.1, -0.3, 2.0, 0.05};
  for (bool amsgrad : {false, true}) {
    for (bool decoupled : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "amsgrad " << amsgrad << ", decoupled " << decoupled);
      Tensor p = leaf({0.7});
      const AdamOptions o{
          .lr = 0.05, .betas = {0.8, 0.95}, .eps = 1e-6, .weight_decay = 0.1, .amsgrad = amsgrad};
      std::unique_ptr<Adam> opt = decoupled ? std::make_unique<AdamW>(std::vector<Tensor>{p}, o)
                                            : std::make_unique<Adam>(std::vector<Tensor>{p}, o);
      ScalarAdam ref{0.05, 0.8, 0.95, 1e-6, 0.1, decoupled, amsgrad};
      double want = 0.7;
      for (double g : grads) {
        give_grad(p, {g});
        opt->step();
        want = ref.update(want, g);
        EXPECT_NEAR(p.item(), want, 1e-14);
      }
    }
  }
}

TEST(Adam, L2DecayVersusDecoupledDecay) {
  // With a zero gradient, AdamW only shrinks the parameter; Adam's L2 term becomes the gradient.
  Tensor a = leaf({2.0}), b = leaf({2.0});
  AdamW w({a}, {.lr = 0.1, .weight_decay = 0.5});
  Adam l2({b}, {.lr = 0.1, .weight_decay = 0.5});
  give_grad(a, {0.0});
  give_grad(b, {0.0});
  w.step();
  l2.step();
  EXPECT_DOUBLE_EQ(a.item(), 2.0 * (1 - 0.1 * 0.5));
  EXPECT_NEAR(b.item(), 2.0 - 0.1 * 1.0 / (1.0 + 1e-8), 1e-13);
}

TEST(Adam, AmsgradKeepsTheLargestSecondMoment) {
  Tensor p = leaf({0.0});
  Adam opt({p}, {.amsgrad = true});
  give_grad(p, {10.0});
  opt.step();
  give_grad(p, {0.1});
  opt.step();
  const StateDict s = opt.state_dict();
  EXPECT_NEAR(s.at("state.0.0.exp_avg_sq").item(), 0.999 * 0.1 + 0.001 * 0.01, 1e-15);
  EXPECT_NEAR(s.at("state.0.0.max_exp_avg_sq").item(), 0.1, 1e-15);
  EXPECT_EQ(s.at("state.0.0.step").dtype(), kInt64);
  EXPECT_EQ(s.at("state.0.0.step").dim(), 0);
  EXPECT_EQ(s.at("state.0.0.step").item(), 2.0);
}

TEST(Adam, DefaultsFollowPyTorch) {
  Tensor p = leaf({1.0}), q = leaf({1.0});
  const StateDict adam = Adam({p}).state_dict();
  EXPECT_DOUBLE_EQ(adam.at("group.0.lr").item(), 1e-3);
  EXPECT_DOUBLE_EQ(adam.at("group.0.beta1").item(), 0.9);
  EXPECT_DOUBLE_EQ(adam.at("group.0.beta2").item(), 0.999);
  EXPECT_DOUBLE_EQ(adam.at("group.0.eps").item(), 1e-8);
  EXPECT_DOUBLE_EQ(adam.at("group.0.weight_decay").item(), 0.0);
  EXPECT_EQ(adam.at("group.0.amsgrad").item(), 0.0);
  EXPECT_EQ(adam.at("group.0.decoupled_weight_decay").item(), 0.0);
  const StateDict adamw = AdamW({q}).state_dict();
  EXPECT_DOUBLE_EQ(adamw.at("group.0.weight_decay").item(), 1e-2);
  EXPECT_EQ(adamw.at("group.0.decoupled_weight_decay").item(), 1.0);
  try {
    Adam({p}).load_state_dict(adamw);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("Adam::load_state_dict: the state dict was saved by AdamW"));
  }
}

TEST(Adam, ParameterWithoutGradientKeepsItsStepCount) {
  Tensor a = leaf({1.0}), b = leaf({1.0});
  Adam opt({a, b}, {.lr = 0.1});
  give_grad(a, {1.0});
  give_grad(b, {1.0});
  opt.step();
  b.zero_grad();
  opt.step();
  const StateDict s = opt.state_dict();
  EXPECT_EQ(s.at("state.0.0.step").item(), 2.0);
  EXPECT_EQ(s.at("state.0.1.step").item(), 1.0);
}

TEST(Adam, LargeF32TensorMatchesTheScalarAlgorithm) {
  const int64_t n = 100001;
  Tensor p = testing::input({n}, 3).detach().to(kFloat32).requires_grad_();
  const Tensor g = testing::input({n}, 4).detach().to(kFloat32);
  const auto p0 = p.to_vector<float>(), gv = g.to_vector<float>();
  AdamW opt({p}, {.lr = 0.01, .weight_decay = 0.1, .amsgrad = true});
  for (int i = 0; i < 2; ++i) {
    p.set_grad(g);
    opt.step();
  }
  const auto p1 = p.to_vector<float>();
  for (int64_t i = 0; i < n; i += 1009) {
    ScalarAdam ref{0.01, 0.9, 0.999, 1e-8, 0.1, true, true};
    double want = p0[i];
    for (int k = 0; k < 2; ++k) want = ref.update(want, gv[i]);
    EXPECT_NEAR(p1[i], want, 1e-5) << i;
  }
}

TEST(Adam, LoadValidatesTheState) {
  Tensor p = leaf({1.0, 2.0});
  Adam opt({p}, {.amsgrad = true});
  give_grad(p, {1.0, 1.0});
  opt.step();
  StateDict s = opt.state_dict();
  s.erase("state.0.0.max_exp_avg_sq");
  try {
    opt.load_state_dict(s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("Adam::load_state_dict: missing key 'state.0.0.max_exp_avg_sq'"));
  }
  s = opt.state_dict();
  s.erase("state.0.0.step");
  try {
    opt.load_state_dict(s);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("missing key 'state.0.0.step'"));
  }
  s = opt.state_dict();
  s["state.0.0.step"] = scalar_tensor(-3, {.dtype = kInt64});
  EXPECT_THROW(opt.load_state_dict(s), Error);
  s = opt.state_dict();
  s["group.0.beta1"] = scalar_tensor(1.5, {.dtype = kFloat64});
  EXPECT_THROW(opt.load_state_dict(s), Error);
}

TEST(Adam, BadOptionsAreRefused) {
  Tensor p = leaf({1.0});
  try {
    Adam({p}, {.betas = {1.0, 0.999}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("Adam: invalid beta1 1 (must be in [0, 1))"));
  }
  try {
    AdamW({p}, {.betas = {0.9, -0.1}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("AdamW: invalid beta2 -0.1 (must be in [0, 1))"));
  }
  try {
    AdamW({p}, {.lr = -1e-3});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("AdamW: invalid lr -0.001 (must be >= 0)"));
  }
  EXPECT_THROW(Adam({p}, {.eps = -1e-8}), Error);
  EXPECT_THROW(Adam({p}, {.weight_decay = -0.1}), Error);
  EXPECT_THROW(Adam({p}, {.lr = std::nan("")}), Error);
}

}  // namespace
}  // namespace strata::optim
