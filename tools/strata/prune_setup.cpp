#include "prune_setup.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "strata/compress/channel_prune.h"
#include "strata/core/error.h"
#include "strata/core/glob.h"

namespace strata::cli {

std::shared_ptr<nn::Module> prune_channels_for(const Config& c, const std::shared_ptr<nn::Module>& model,
                                               std::vector<std::string>* log) {
  const PruneConfig& p = c.prune;
  if (p.method != "channels") return model;
  compress::ChannelPruneResult r;
  try {
    r = compress::prune_channels(model, {.amount = p.sparsity, .round_to = p.round_to, .layers = p.layers});
  } catch (const Error& e) {
    STRATA_FAIL("{}: prune.method channels: {}", p.layers.empty() ? p.where : p.layers_where, e.what());
  }
  if (log) {
    for (const auto& layer : r.layers)
      log->push_back(fmt::format("pruned conv {}: {} -> {} channels", layer.name, layer.channels_before,
                                 layer.channels_after));
  }
  return r.model;
}

MagnitudePruning make_pruning_schedule(const Config& c, nn::Module& model, int64_t total_steps) {
  const PruneConfig& p = c.prune;
  if (p.method != "global" && p.method != "layer") return {};
  std::vector<std::pair<std::string, Tensor>> weights;
  std::vector<std::string> layers;
  for (auto& [name, w] : compress::prunable_weights(model)) {
    const std::string layer = name.substr(0, name.rfind('.'));
    layers.push_back(layer);
    if (p.layers.empty() || std::any_of(p.layers.begin(), p.layers.end(),
                                        [&](const std::string& g) { return glob_match(g, layer); }))
      weights.emplace_back(name, w);
  }
  STRATA_CHECK(!layers.empty(), "{}: prune.method {}: the model has no Linear or Conv layer to prune",
               p.where, p.method);
  for (const std::string& g : p.layers) {
    STRATA_CHECK(
        std::any_of(layers.begin(), layers.end(), [&](const std::string& l) { return glob_match(g, l); }),
        "{}: no prunable layer is called '{}' (the Linear and Conv layers: {})", p.layers_where, g,
        fmt::join(layers, ", "));
  }
  const bool global = p.method == "global";
  compress::PruningScheduleOptions schedule = compress::one_shot(p.sparsity, global, p.begin_step);
  if (p.schedule == "polynomial") {
    const int64_t end = p.end_step > 0 ? p.end_step : total_steps * 3 / 4;
    STRATA_CHECK(
        end > p.begin_step,
        "{}: prune.schedule polynomial must end after prune.begin_step ({}); it ends at step {} (3/4 "
        "of the {} training steps unless prune.end_step says otherwise)",
        p.where, p.begin_step, end, total_steps);
    const int64_t frequency = p.frequency > 0 ? p.frequency : std::max<int64_t>(1, (end - p.begin_step) / 20);
    schedule = compress::polynomial(p.sparsity, p.begin_step, end, frequency, p.initial_sparsity, global);
  }
  MagnitudePruning out;
  out.masks = std::make_shared<compress::PruningMasks>(std::move(weights));
  out.schedule = std::make_shared<compress::PruningSchedule>(out.masks, schedule);
  return out;
}

}  // namespace strata::cli
