// CTC loss against torch.nn.functional.ctc_loss (tests/fixtures/ctc.safetensors, from
// scripts/gen_fixtures_ctc.py). Inputs are logits passed through log_softmax, as a model's would be.
#include "golden_util.h"
#include "strata/ops/ctc.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;
using ops::Reduction;

golden::CaseFn ctc(ops::CTCLossOptions options = {}, int64_t dim = 2) {
  return [options, dim](Case& c) {
    return F::ctc_loss(F::log_softmax(c.in("x"), dim), c.in("targets"), c.in("input_lengths"),
                       c.in("target_lengths"), options);
  };
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      golden::f64_and_f32("mean", ctc()),
      {{"sum", ctc({.reduction = Reduction::Sum})},
       {"none", ctc({.reduction = Reduction::None})},
       {"blank_last", ctc({.blank = 4})},
       {"repeats", ctc({.reduction = Reduction::None})},
       {"concatenated", ctc()},
       {"empty_target", ctc({.reduction = Reduction::None})},
       {"zero_infinity", ctc({.reduction = Reduction::None, .zero_infinity = true})},
       {"zero_infinity_mean", ctc({.zero_infinity = true})},
       {"impossible", ctc({.reduction = Reduction::None})},
       {"unbatched", ctc({}, 1)}},
  });
  return all;
}

STRATA_GOLDEN_TESTS(CtcGolden, "ctc.safetensors", cases);

}  // namespace
}  // namespace strata
