// Every loss with every reduction against PyTorch (tests/fixtures/nn_loss.safetensors, written by
// scripts/gen_fixtures_nn.py): values and input gradients, float64 and some float32.
#include "golden_util.h"
#include "strata/ops/loss.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;
using ops::Reduction;

struct NamedReduction {
  const char* name;
  Reduction reduction;
};
constexpr NamedReduction kReductions[] = {
    {"none", Reduction::None}, {"mean", Reduction::Mean}, {"sum", Reduction::Sum}};

// The optional constants of a case: absent from the fixture means "not given".
Tensor weight(Case& c) { return c.in("weight"); }

// Cross-entropy options for a case; `with_weight` reads `<case>.weight`.
ops::CrossEntropyOptions ce_options(Case& c, Reduction r, bool with_weight, int64_t ignore_index = -100,
                                    double smoothing = 0.0) {
  return {.weight = with_weight ? weight(c) : Tensor(),
          .ignore_index = ignore_index,
          .label_smoothing = smoothing,
          .reduction = r};
}

// One case per reduction: `<stem>_<reduction>`, whose body gets the reduction.
std::vector<GoldenCase> per_reduction(const std::string& stem,
                                      const std::function<Tensor(Case&, Reduction)>& body) {
  std::vector<GoldenCase> cases;
  for (const auto& [name, r] : kReductions)
    cases.push_back({stem + "_" + name, [body, r = r](Case& c) { return body(c, r); }});
  return cases;
}

std::vector<GoldenCase> regression() {
  return golden::join({
      per_reduction("mse",
                    [](Case& c, Reduction r) { return F::mse_loss(c.in("input"), c.in("target"), r); }),
      per_reduction("l1", [](Case& c, Reduction r) { return F::l1_loss(c.in("input"), c.in("target"), r); }),
      per_reduction("smooth_l1",
                    [](Case& c, Reduction r) { return F::smooth_l1_loss(c.in("input"), c.in("target"), r); }),
      per_reduction(
          "smooth_l1_beta05",
          [](Case& c, Reduction r) { return F::smooth_l1_loss(c.in("input"), c.in("target"), r, 0.5); }),
      per_reduction(
          "smooth_l1_beta0",
          [](Case& c, Reduction r) { return F::smooth_l1_loss(c.in("input"), c.in("target"), r, 0.0); }),
      per_reduction("huber",
                    [](Case& c, Reduction r) { return F::huber_loss(c.in("input"), c.in("target"), r); }),
      per_reduction(
          "huber_delta15",
          [](Case& c, Reduction r) { return F::huber_loss(c.in("input"), c.in("target"), r, 1.5); }),
  });
}

std::vector<GoldenCase> cross_entropy() {
  auto ce = [](bool with_weight, int64_t ignore_index = -100, double smoothing = 0.0) {
    return [=](Case& c, Reduction r) {
      return F::cross_entropy(c.in("input"), c.in("target"),
                              ce_options(c, r, with_weight, ignore_index, smoothing));
    };
  };
  return golden::join({
      per_reduction("ce", ce(false)),
      per_reduction("ce_weight", ce(true)),
      per_reduction("ce_ignore", ce(false)),
      per_reduction("ce_ignore_index2", ce(false, 2)),
      per_reduction("ce_smooth", ce(false, -100, 0.1)),
      per_reduction("ce_weight_ignore", ce(true)),
      per_reduction("ce_weight_smooth", ce(true, -100, 0.2)),
      per_reduction("ce_ignore_smooth", ce(false, -100, 0.15)),
      per_reduction("ce_weight_ignore_smooth", ce(true, 1, 0.3)),
      per_reduction("ce_spatial", ce(false)),
      per_reduction("ce_spatial_weight_ignore_smooth", ce(true, -100, 0.1)),
      per_reduction("ce_spatial2d", ce(false)),
      per_reduction("ce_unbatched", ce(false)),
      per_reduction("ce_prob", ce(false)),
      per_reduction("ce_prob_weight", ce(true)),
      per_reduction("ce_prob_smooth", ce(false, -100, 0.2)),
      per_reduction("ce_prob_weight_smooth", ce(true, -100, 0.1)),
      per_reduction("ce_prob_spatial", ce(false)),
      per_reduction("ce_prob_spatial_weight", ce(true)),
      per_reduction("ce_prob_unbatched", ce(false)),
      {
          {"ce_all_ignored_mean", [ce](Case& c) { return ce(false)(c, Reduction::Mean); }},
          {"ce_all_ignored_smooth_mean", [ce](Case& c) { return ce(false, -100, 0.1)(c, Reduction::Mean); }},
          {"ce_large_logits_mean", [ce](Case& c) { return ce(false)(c, Reduction::Mean); }},
          {"ce_weight_ignore_smooth_mean_f32",
           [ce](Case& c) { return ce(true, -100, 0.1)(c, Reduction::Mean); }},
          {"ce_spatial_none_f32", [ce](Case& c) { return ce(false)(c, Reduction::None); }},
          {"ce_prob_smooth_sum_f32", [ce](Case& c) { return ce(false, -100, 0.2)(c, Reduction::Sum); }},
      },
  });
}

std::vector<GoldenCase> nll() {
  auto nll = [](bool with_weight, int64_t ignore_index = -100) {
    return [=](Case& c, Reduction r) {
      return F::nll_loss(
          c.in("input"), c.in("target"),
          {.weight = with_weight ? weight(c) : Tensor(), .ignore_index = ignore_index, .reduction = r});
    };
  };
  return golden::join({
      per_reduction("nll", nll(false)),
      per_reduction("nll_weight_ignore", nll(true)),
      per_reduction("nll_ignore_index0", nll(false, 0)),
      per_reduction("nll_spatial_weight", nll(true)),
      {
          {"nll_weight_ignore_mean_f32", [nll](Case& c) { return nll(true)(c, Reduction::Mean); }},
          {"nll_all_ignored_weight_mean", [nll](Case& c) { return nll(true)(c, Reduction::Mean); }},
      },
  });
}

std::vector<GoldenCase> binary() {
  auto bce = [](bool with_weight) {
    return [=](Case& c, Reduction r) {
      return F::binary_cross_entropy(c.in("input"), c.in("target"), with_weight ? weight(c) : Tensor(), r);
    };
  };
  auto logits = [](bool with_weight, bool with_pos_weight) {
    return [=](Case& c, Reduction r) {
      return F::binary_cross_entropy_with_logits(c.in("input"), c.in("target"),
                                                 with_weight ? weight(c) : Tensor(),
                                                 with_pos_weight ? c.in("pos_weight") : Tensor(), r);
    };
  };
  return golden::join({
      per_reduction("bce", bce(false)),
      per_reduction("bce_weight", bce(true)),
      per_reduction("bce_weight_full", bce(true)),
      per_reduction("bce_logits", logits(false, false)),
      per_reduction("bce_logits_weight", logits(true, false)),
      per_reduction("bce_logits_pos_weight", logits(false, true)),
      per_reduction("bce_logits_weight_pos_weight", logits(true, true)),
      {
          {"bce_logits_large_sum", [logits](Case& c) { return logits(false, true)(c, Reduction::Sum); }},
          {"bce_weight_mean_f32", [bce](Case& c) { return bce(true)(c, Reduction::Mean); }},
          {"bce_logits_weight_pos_weight_mean_f32",
           [logits](Case& c) { return logits(true, true)(c, Reduction::Mean); }},
      },
  });
}

std::vector<GoldenCase> kl() {
  auto kl = [](bool log_target) {
    return [=](Case& c, Reduction r) { return F::kl_div(c.in("input"), c.in("target"), r, log_target); };
  };
  return golden::join({
      per_reduction("kl", kl(false)),
      per_reduction("kl_log_target", kl(true)),
      per_reduction("kl_zero_target", kl(false)),
      {
          // reduction='batchmean' is the sum over the batch size.
          {"kl_batchmean",
           [](Case& c) {
             const Tensor input = c.in("input");
             return F::kl_div(input, c.in("target"), Reduction::Sum) / static_cast<double>(input.size(0));
           }},
          {"kl_log_target_sum_f32", [kl](Case& c) { return kl(true)(c, Reduction::Sum); }},
      },
  });
}

std::vector<GoldenCase> f32_regression() {
  return {
      {"mse_mean_f32", [](Case& c) { return F::mse_loss(c.in("input"), c.in("target")); }},
      {"l1_sum_f32", [](Case& c) { return F::l1_loss(c.in("input"), c.in("target"), Reduction::Sum); }},
      {"smooth_l1_beta05_none_f32",
       [](Case& c) { return F::smooth_l1_loss(c.in("input"), c.in("target"), Reduction::None, 0.5); }},
      {"huber_delta15_mean_f32",
       [](Case& c) { return F::huber_loss(c.in("input"), c.in("target"), Reduction::Mean, 1.5); }},
  };
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all =
      golden::join({regression(), f32_regression(), cross_entropy(), nll(), binary(), kl()});
  return all;
}

STRATA_GOLDEN_TESTS(LossGolden, "nn_loss.safetensors", cases);

}  // namespace
}  // namespace strata
