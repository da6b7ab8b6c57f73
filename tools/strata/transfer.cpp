#include "transfer.h"

#include <fmt/ranges.h>

#include <filesystem>

#include "strata/io/model_state.h"
#include "strata/nn/state_dict.h"

namespace strata::cli {
namespace {

// "a, b, c, ... (12 more)" for the run log.
std::string names(const std::vector<std::string>& items, size_t limit = 10) {
  if (items.size() <= limit) return fmt::format("{}", fmt::join(items, ", "));
  const std::vector<std::string> head(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(limit));
  return fmt::format("{}, ... ({} more)", fmt::join(head, ", "), items.size() - limit);
}

}  // namespace

std::vector<std::string> apply_init(const Config& c, nn::Module& model) {
  const InitConfig& in = c.init;
  if (in.checkpoint.empty()) return {};
  STRATA_CHECK(std::filesystem::is_regular_file(in.checkpoint), "{}: init.checkpoint: {} does not exist",
               in.where, in.checkpoint);
  nn::RemappedState remapped;
  nn::LoadReport report;
  try {
    remapped = nn::remap_state_dict(io::load_model_state(in.checkpoint), {.skip = in.skip, .rename = in.rename});
    report = model.load_state_dict(remapped.state, in.strict);
  } catch (const Error& e) {
    STRATA_FAIL("{}: init from {}: {}", in.where, in.checkpoint, e.what());
  }
  STRATA_CHECK(!report.loaded.empty(),
               "{}: init from {}: no entry fits the model ({}); is it a checkpoint of another model, or does "
               "init.rename need a prefix?",
               in.where, in.checkpoint, report.str());
  std::vector<std::string> lines;
  lines.push_back(fmt::format("init: loaded {} of the model's {} tensors from {}", report.loaded.size(),
                              report.loaded.size() + report.missing.size() + report.mismatched.size(),
                              in.checkpoint));
  if (!remapped.skipped.empty())
    lines.push_back(fmt::format("init: skipped (init.skip): {}", names(remapped.skipped)));
  if (!report.missing.empty())
    lines.push_back(fmt::format("init: missing from the checkpoint, left as initialised: {}", names(report.missing)));
  if (!report.mismatched.empty()) {
    std::vector<std::string> items;
    for (const auto& m : report.mismatched)
      items.push_back(fmt::format("{} (checkpoint {}, model {})", m.name, m.checkpoint.str(), m.model.str()));
    lines.push_back(fmt::format("init: mis-shaped, left as initialised: {}", names(items)));
  }
  if (!report.unexpected.empty())
    lines.push_back(fmt::format("init: not in the model, ignored: {}", names(report.unexpected)));
  return lines;
}

std::vector<std::string> apply_freeze(const Config& c, nn::Module& model) {
  const FreezeConfig& f = c.freeze;
  if (f.patterns.empty()) return {};
  for (const std::string& pattern : f.patterns) {
    try {
      model.freeze(pattern);
    } catch (const Error& e) {
      STRATA_FAIL("{}: {}", f.where, e.what());
    }
  }
  std::vector<std::string> frozen;
  for (const auto& [name, p] : model.named_parameters()) {
    if (!p.requires_grad()) frozen.push_back(name);
  }
  std::vector<std::string> lines;
  lines.push_back(fmt::format("freeze: {} tensors frozen ({}); {} of {} parameters train", frozen.size(),
                              names(frozen), model.num_parameters(true), model.num_parameters()));
  if (f.unfreeze_at_epoch > c.training.epochs) {
    lines.push_back(fmt::format("freeze: unfreeze_at_epoch {} is after the last epoch ({}): they stay frozen",
                                f.unfreeze_at_epoch, c.training.epochs));
  } else if (f.unfreeze_at_epoch > 0) {
    lines.push_back(fmt::format("freeze: all of them train from epoch {} on", f.unfreeze_at_epoch));
  }
  return lines;
}

std::shared_ptr<train::Callback> make_unfreeze(const Config& c) {
  const FreezeConfig& f = c.freeze;
  if (f.patterns.empty() || f.unfreeze_at_epoch <= 0) return nullptr;
  return std::make_shared<train::Unfreeze>(
      train::UnfreezeOptions{.patterns = f.patterns, .epoch = f.unfreeze_at_epoch});
}

}  // namespace strata::cli
