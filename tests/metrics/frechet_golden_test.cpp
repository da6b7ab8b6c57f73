// metrics::frechet_distance against scipy.linalg.sqrtm (tests/fixtures/frechet.safetensors, from
// scripts/gen_fixtures_frechet.py): set sizes, correlated features, a mean shift, rank-deficient covariances
// and float32 inputs; the mean and covariance of the first set against numpy's.
#include "golden_util.h"
#include "strata/metrics/frechet.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

GoldenCase distance(const std::string& name) {
  return {name, [](Case& c) {
            const Tensor a = c.in("a"), b = c.in("b");
            const metrics::GaussianStats s = metrics::gaussian_stats(a);
            c.expect("mean_a", from_vector(s.mean, {s.dim}));
            c.expect("cov_a", from_vector(s.cov, {s.dim, s.dim}));
            // sqrtm (Schur) and the symmetric eigendecomposition round differently: agree to 1e-8 relative.
            c.widen_tolerance(1e2);
            return scalar_tensor(metrics::frechet_distance(a, b), {.dtype = kFloat64});
          }};
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {distance("small"),
                                              distance("correlated"),
                                              distance("mean_shift"),
                                              distance("fewer_vectors_than_features"),
                                              distance("duplicated_feature"),
                                              distance("correlated_f32")};
  return all;
}

STRATA_GOLDEN_TESTS(FrechetGolden, "frechet.safetensors", cases);

}  // namespace
}  // namespace strata
