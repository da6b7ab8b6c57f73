// Elementwise ops against PyTorch (tests/fixtures/elementwise.safetensors).
#include "golden_util.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

// A case whose body applies `op` to the single input x.
GoldenCase unary(const std::string& name, Tensor (*op)(const Tensor&)) {
  return {name, [op](Case& c) { return op(c.in("x")); }};
}

// A case whose body applies `op` to inputs x and y.
GoldenCase binary(const std::string& name, Tensor (*op)(const Tensor&, const Tensor&)) {
  return {name, [op](Case& c) { return op(c.in("x"), c.in("y")); }};
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      golden::f64_and_f32("add_bcast", [](Case& c) { return F::add(c.in("x"), c.in("y")); }),
      golden::f64_and_f32("mul_bcast", [](Case& c) { return c.in("x") * c.in("y"); }),
      golden::f64_and_f32("div_bcast", [](Case& c) { return c.in("x") / c.in("y"); }),
      golden::f64_and_f32("exp", [](Case& c) { return F::exp(c.in("x")); }),
      {
          {"add_alpha", [](Case& c) { return F::add(c.in("x"), c.in("y"), 2.5); }},
          {"add_bcast_both", [](Case& c) { return c.in("x") + c.in("y"); }},
          {"add_scalar_tensor", [](Case& c) { return c.in("x") + c.in("y"); }},
          {"sub_bcast", [](Case& c) { return c.in("x") - c.in("y"); }},
          {"sub_alpha", [](Case& c) { return F::sub(c.in("x"), c.in("y"), 0.5); }},
          {"mul_same", [](Case& c) { return F::mul(c.in("x"), c.in("y")); }},
          {"div_rank0", [](Case& c) { return F::div(c.in("x"), c.in("y")); }},
          {"add_scalar", [](Case& c) { return F::add(c.in("x"), 1.5); }},
          {"sub_scalar", [](Case& c) { return F::sub(c.in("x"), 1.5); }},
          {"mul_scalar", [](Case& c) { return F::mul(c.in("x"), -2.5); }},
          {"div_scalar", [](Case& c) { return F::div(c.in("x"), 4.0); }},
          {"rsub", [](Case& c) { return F::rsub(c.in("x"), 3.0); }},
          {"rdiv", [](Case& c) { return F::rdiv(c.in("x"), 3.0); }},
          {"neg", [](Case& c) { return -c.in("x"); }},
          {"pow_tensor", [](Case& c) { return F::pow(c.in("x"), c.in("y")); }},
          {"pow_scalar", [](Case& c) { return F::pow(c.in("x"), 2.5); }},
          {"pow_int", [](Case& c) { return F::pow(c.in("x"), 3.0); }},
          {"pow_base", [](Case& c) { return F::pow(2.0, c.in("x")); }},
          unary("log", F::log),
          unary("log1p", F::log1p),
          unary("sqrt", F::sqrt),
          unary("rsqrt", F::rsqrt),
          unary("square", F::square),
          unary("abs", F::abs),
          unary("sign", F::sign),
          unary("erf", F::erf),
          unary("sin", F::sin),
          unary("cos", F::cos),
          unary("reciprocal", F::reciprocal),
          {"exp_transposed", [](Case& c) { return F::exp(c.in("x").t()); }},
          {"clamp_both", [](Case& c) { return F::clamp(c.in("x"), -0.5, 0.7); }},
          {"clamp_min", [](Case& c) { return F::clamp(c.in("x"), -0.5, std::nullopt); }},
          {"clamp_max", [](Case& c) { return F::clamp(c.in("x"), std::nullopt, 0.7); }},
          binary("maximum", F::maximum),
          binary("minimum", F::minimum),
          {"where", [](Case& c) { return F::where(c.in("cond"), c.in("x"), c.in("y")); }},
          {"where_bcast_cond", [](Case& c) { return F::where(c.in("cond"), c.in("x"), c.in("y")); }},
          binary("eq", F::eq),
          binary("ne", F::ne),
          binary("lt", F::lt),
          binary("le", F::le),
          binary("gt", F::gt),
          binary("ge", F::ge),
          {"lt_scalar", [](Case& c) { return F::lt(c.in("x"), 0.5); }},
          {"eq_scalar", [](Case& c) { return F::eq(c.in("x"), 1.0); }},
      },
  });
  return all;
}

STRATA_GOLDEN_TESTS(ElementwiseGolden, "elementwise.safetensors", cases);

}  // namespace
}  // namespace strata
