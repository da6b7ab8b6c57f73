// metrics::frechet_distance against scipy.linalg.sqrtm (tests/fixtures/frechet.safetensors, from
// scripts/gen_fixtures_frechet.py): set sizes, correlated features, a mean shift, rank-deficient covariances
// and float32 inputs; the mean and covariance of the first set against numpy's.
#include "golden_util.h"
#include "strata/metrics/frechet.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

// sqrtm (Schur) and the symmetric eigendecomposition round differently: they agree to 1e-8 relative, and to
// 1e-6 where a covariance is rank-deficient (the square root of an eigenvalue that is zero up to rounding,
// about 1e-16, is about 1e-8, and its sign depends on the LAPACK kernel's summation order).
GoldenCase distance(const std::string& name, double widen = 1e2) {
  return {name, [widen](Case& c) {
            const Tensor a = c.in("a"), b = c.in("b");
            const metrics::GaussianStats s = metrics::gaussian_stats(a);
            c.expect("mean_a", from_vector(s.mean, {s.dim}));
            c.expect("cov_a", from_vector(s.cov, {s.dim, s.dim}));
            c.widen_tolerance(widen);
            return scalar_tensor(metrics::frechet_distance(a, b), {.dtype = kFloat64});
          }};
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {distance("small"),
                                              distance("correlated"),
                                              distance("mean_shift"),
                                              distance("fewer_vectors_than_features", 1e4),
                                              distance("duplicated_feature", 1e4),
                                              distance("correlated_f32")};
  return all;
}

STRATA_GOLDEN_TESTS(FrechetGolden, "frechet.safetensors", cases);

}  // namespace
}  // namespace strata
