// Upsample: F::interpolate with its options fixed at construction, printed like PyTorch.
#include "strata/nn/upsample.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <iterator>

namespace strata::nn {
namespace {

// A float as Python's repr writes it: "2.0", "1.5".
std::string float_repr(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".einn") == std::string::npos) s += ".0";
  return s;
}

// One value as a number, several as a tuple: "2.0" or "(2.0, 1.5)".
template <typename T, typename F>
std::string values_repr(const std::vector<T>& values, F repr) {
  std::vector<std::string> parts;
  std::transform(values.begin(), values.end(), std::back_inserter(parts), repr);
  if (parts.size() == 1) return parts[0];
  return fmt::format("({})", fmt::join(parts, ", "));
}

}  // namespace

UpsampleImpl::UpsampleImpl(UpsampleOptions options) : Module("Upsample"), options(std::move(options)) {
  ops::check_interpolate_options(this->options, "Upsample");
}

Tensor UpsampleImpl::forward(const Tensor& input) { return ops::interpolate(input, options); }

std::string UpsampleImpl::extra_repr() const {
  const std::string what =
      options.scale_factor.empty()
          ? "size=" + values_repr(options.size, [](int64_t v) { return std::to_string(v); })
          : "scale_factor=" + values_repr(options.scale_factor, float_repr);
  return fmt::format("{}, mode='{}'", what, ops::interpolate_mode_name(options.mode));
}

}  // namespace strata::nn
