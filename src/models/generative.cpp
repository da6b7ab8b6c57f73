#include "strata/models/generative.h"

#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::models {

Tensor GenerativeModel::sample(int64_t n, const Tensor& labels, Generator& generator) {
  STRATA_CHECK(n > 0, "sample: the number of samples must be positive, got {}", n);
  if (num_classes() > 0) {
    STRATA_CHECK(labels.defined() && labels.dim() == 1 && labels.size(0) == n && labels.dtype() == kInt64,
                 "sample: a conditional model with {} classes needs i64 labels of shape [{}], got {}",
                 num_classes(), n, labels.defined() ? labels.shape().str() : std::string("none"));
    const Tensor flat = labels.contiguous();
    const int64_t* p = flat.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      STRATA_CHECK(p[i] >= 0 && p[i] < num_classes(), "sample: label {} at {} is outside 0..{}", p[i], i,
                   num_classes() - 1);
    }
  }
  const Tensor z = randn({n, latent_dim()}, {}, &generator);
  return decode(z, labels);
}

}  // namespace strata::models
