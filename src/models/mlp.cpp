#include "strata/models/mlp.h"

#include "strata/nn/activation.h"
#include "strata/nn/dropout.h"
#include "strata/nn/linear.h"

namespace strata::models {

nn::Sequential mlp(const std::vector<int64_t>& sizes, double dropout) {
  STRATA_CHECK(sizes.size() >= 2, "mlp: needs at least input and output sizes, got {}", sizes.size());
  nn::Sequential net;
  net->push_back(nn::Flatten());
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    net->push_back(nn::Linear(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.size()) {
      net->push_back(nn::ReLU());
      if (dropout > 0) net->push_back(nn::Dropout(dropout));
    }
  }
  return net;
}

}  // namespace strata::models
