// Logs across ranks: the keys are checked to agree (a rank computing another metric would otherwise pair
// unrelated numbers), then one all_reduce of the values in key order.
#include "strata/dist/logs.h"

#include <vector>

#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/dist/collectives.h"
#include "strata/dist/process_group.h"

namespace strata::dist {

void all_reduce_logs(train::Logs& logs) {
  if (world_size() == 1) return;
  Tensor count = scalar_tensor(static_cast<double>(logs.size()), {.dtype = kInt64});
  Tensor max_count = count.clone();
  all_reduce(max_count, ReduceOp::Max);
  all_reduce(count, ReduceOp::Min);
  STRATA_CHECK(count.item() == max_count.item(),
               "dist::all_reduce_logs: ranks hold different numbers of log entries ({} to {})", count.item(),
               max_count.item());
  std::vector<double> values;
  for (const auto& [key, value] : logs) values.push_back(value);
  Tensor t = from_vector<double>(values);
  all_reduce(t, ReduceOp::Mean);
  const std::vector<double> mean = t.to_vector<double>();
  size_t i = 0;
  for (auto& [key, value] : logs) value = mean[i++];
}

}  // namespace strata::dist
