#include "strata/rl/running_mean_std.h"

#include <algorithm>
#include <cmath>

#include "strata/core/factory.h"

namespace strata::rl {

RunningMeanStd::RunningMeanStd(int64_t dim, double epsilon)
    : mean_(dim, 0.0), var_(dim, 1.0), count_(epsilon) {
  STRATA_CHECK(dim > 0, "RunningMeanStd: dim must be positive, got {}", dim);
}

void RunningMeanStd::update(const float* data, int64_t rows) {
  if (rows <= 0) return;
  const size_t dim = mean_.size();
  std::vector<double> batch_mean(dim, 0.0), batch_var(dim, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    for (size_t d = 0; d < dim; ++d) batch_mean[d] += data[r * dim + d];
  }
  for (size_t d = 0; d < dim; ++d) batch_mean[d] /= static_cast<double>(rows);
  for (int64_t r = 0; r < rows; ++r) {
    for (size_t d = 0; d < dim; ++d) {
      const double x = data[r * dim + d] - batch_mean[d];
      batch_var[d] += x * x;
    }
  }
  const double n = static_cast<double>(rows), total = count_ + n;
  for (size_t d = 0; d < dim; ++d) {
    batch_var[d] /= n;  // population variance, as numpy's var
    const double delta = batch_mean[d] - mean_[d];
    const double m2 = var_[d] * count_ + batch_var[d] * n + delta * delta * count_ * n / total;
    mean_[d] += delta * n / total;
    var_[d] = m2 / total;
  }
  count_ = total;
}

void RunningMeanStd::normalize(float* data, int64_t rows, double clip, double epsilon) const {
  const size_t dim = mean_.size();
  for (int64_t r = 0; r < rows; ++r) {
    for (size_t d = 0; d < dim; ++d) {
      const double z = (data[r * dim + d] - mean_[d]) / std::sqrt(var_[d] + epsilon);
      data[r * dim + d] = static_cast<float>(std::clamp(z, -clip, clip));
    }
  }
}

void RunningMeanStd::save(nn::StateDict& state, const std::string& prefix) const {
  const int64_t dim = static_cast<int64_t>(mean_.size());
  state[prefix + ".mean"] = from_vector<double>(mean_, {dim});
  state[prefix + ".var"] = from_vector<double>(var_, {dim});
  state[prefix + ".count"] = from_vector<double>({count_}, {1});
}

void RunningMeanStd::load(const nn::StateDict& state, const std::string& prefix) {
  const int64_t dim = static_cast<int64_t>(mean_.size());
  auto get = [&](const std::string& key, int64_t size) {
    auto it = state.find(prefix + "." + key);
    STRATA_CHECK(it != state.end(), "RunningMeanStd::load: the state has no entry '{}.{}'", prefix, key);
    STRATA_CHECK(it->second.numel() == size, "RunningMeanStd::load: '{}.{}' must hold {} values, got {}",
                 prefix, key, size, it->second.shape().str());
    return it->second.to(kFloat64).contiguous().to_vector<double>();
  };
  mean_ = get("mean", dim);
  var_ = get("var", dim);
  count_ = get("count", 1)[0];
}

}  // namespace strata::rl
