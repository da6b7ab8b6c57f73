// ZeroRedundancyOptimizer. Partition: parameters sorted by size (largest first) go each to the rank with the
// fewest elements so far, so the shards (and the optimiser state) are balanced. Step: the local optimiser
// updates the owned parameters; then non-blocking
// broadcasts from the owners (all in flight at once, watchdog-bounded) put every shard in place everywhere.
#include "strata/dist/zero_redundancy_optimizer.h"

#include <algorithm>
#include <numeric>
#include <sstream>
#include <string>

#include "dist/mpi_comm.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/dist/collectives.h"
#include "strata/dist/process_group.h"

namespace strata::dist {

ZeroRedundancyOptimizer::ZeroRedundancyOptimizer(std::vector<Tensor> params, const Factory& make_optimizer)
    : params_(std::move(params)) {
  STRATA_CHECK(!params_.empty(), "ZeroRedundancyOptimizer: no parameters");
  STRATA_CHECK(static_cast<bool>(make_optimizer), "ZeroRedundancyOptimizer: the optimizer factory is empty");
  const Dtype dtype = params_.front().dtype();
  for (const Tensor& p : params_) {
    STRATA_CHECK(p.dtype() == dtype && (dtype == kFloat32 || dtype == kFloat64) && p.is_contiguous(),
                 "ZeroRedundancyOptimizer: parameters must be contiguous and all f32 or all f64");
  }
  const int n = world_size();
  std::vector<size_t> order(params_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return params_[a].numel() > params_[b].numel(); });
  std::vector<int64_t> load(static_cast<size_t>(n), 0);
  owner_.assign(params_.size(), 0);
  for (size_t i : order) {
    const auto r = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    owner_[i] = static_cast<int>(r);
    load[r] += params_[i].numel();
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    if (owner_[i] == rank()) local_params_.push_back(params_[i]);
  }
  if (!local_params_.empty()) {
    local_ = make_optimizer(local_params_);
    STRATA_CHECK(local_ != nullptr, "ZeroRedundancyOptimizer: the optimizer factory returned null");
  }
  // The learning rate as the wrapped optimiser sets it (a rank that owns nothing asks a throwaway one).
  lr_ = local_ ? local_->lr(0) : make_optimizer({params_.front()})->lr(0);
}

double ZeroRedundancyOptimizer::lr(size_t group) const {
  STRATA_CHECK(group == 0, "ZeroRedundancyOptimizer: group {} out of range (1 group)", group);
  return local_ ? local_->lr(0) : lr_;
}

void ZeroRedundancyOptimizer::set_lr(double lr, size_t group) {
  STRATA_CHECK(group == 0, "ZeroRedundancyOptimizer: group {} out of range (1 group)", group);
  lr_ = lr;
  if (local_) local_->set_lr(lr);
}

void ZeroRedundancyOptimizer::step() {
  if (local_) local_->step();
  if (world_size() == 1) return;
  // Every parameter is broadcast from its owner straight into place (all the broadcasts in flight at once):
  // no flat buffer of all parameters, which would cost as much memory as the sharding saves.
  autograd::NoGradGuard no_grad;
  const char* op = "broadcast";
  MPI_Comm comm = detail::comm(op);
  const MPI_Datatype type = detail::mpi_dtype(params_.front().dtype(), op);
  detail::begin_collective(op);
  std::vector<MPI_Request> requests(params_.size(), MPI_REQUEST_NULL);
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i];
    detail::check(MPI_Ibcast(p.raw_data(), static_cast<int>(p.numel()), type, owner_[i], comm, &requests[i]),
                  op);
  }
  detail::wait_all(requests.data(), static_cast<int>(requests.size()), op);
  for (size_t i = 0; i < params_.size(); ++i) {
    if (owner_[i] != rank()) params_[i].storage().bump_version();
  }
}

optim::StateDict ZeroRedundancyOptimizer::state_dict() const {
  return local_ ? local_->state_dict() : optim::StateDict{};
}

void ZeroRedundancyOptimizer::load_state_dict(const optim::StateDict& state) {
  if (local_) local_->load_state_dict(state);
}

namespace {

// Splits "state.<g>.<i>.<field>" into its index and field; false for other keys.
bool parse_state_key(const std::string& key, int64_t& index, std::string& field) {
  if (key.rfind("state.0.", 0) != 0) return false;
  const size_t dot = key.find('.', 8);
  if (dot == std::string::npos) return false;
  index = std::stoll(key.substr(8, dot - 8));
  field = key.substr(dot + 1);
  return true;
}

std::string state_key(int64_t index, const std::string& field) {
  return "state.0." + std::to_string(index) + "." + field;
}

}  // namespace

optim::StateDict ZeroRedundancyOptimizer::consolidated_state_dict(int to) const {
  const int n = world_size(), me = rank();
  STRATA_CHECK(to >= -1 && to < n,
               "ZeroRedundancyOptimizer::consolidated_state_dict: rank {} out of range "
               "(world size {})",
               to, n);
  std::vector<int64_t> global;  // this rank's local index -> index in parameters()
  for (size_t i = 0; i < params_.size(); ++i) {
    if (owner_[i] == me) global.push_back(static_cast<int64_t>(i));
  }
  // This rank's shard under global keys, with the group's parameter count made the total.
  optim::StateDict mine;
  for (const auto& [key, t] : state_dict()) {
    int64_t index;
    std::string field;
    if (parse_state_key(key, index, field)) {
      mine[state_key(global.at(static_cast<size_t>(index)), field)] = t.contiguous();
    } else if (key == "group.0.params") {
      mine[key] = scalar_tensor(static_cast<int64_t>(params_.size()), {.dtype = kInt64});
    } else {
      mine[key] = t.contiguous();
    }
  }
  optim::StateDict out;
  for (int src = 0; src < n; ++src) {
    // The sender's manifest (one line per entry: key, dtype, dims), then each entry.
    std::string manifest;
    if (src == me) {
      for (const auto& [key, t] : mine) {
        manifest += key + " " + std::to_string(static_cast<int>(t.dtype()));
        for (int64_t d : t.shape()) manifest += " " + std::to_string(d);
        manifest += "\n";
      }
    }
    Tensor length = scalar_tensor(static_cast<int64_t>(manifest.size()), {.dtype = kInt64});
    broadcast(length, src);
    Tensor text = zeros({static_cast<int64_t>(length.item())}, {.dtype = kUInt8});
    if (src == me) std::copy(manifest.begin(), manifest.end(), text.data_ptr<uint8_t>());
    broadcast(text, src);
    manifest.assign(text.data_ptr<uint8_t>(), text.data_ptr<uint8_t>() + text.numel());
    std::istringstream lines(manifest);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string key;
      int dtype;
      fields >> key >> dtype;
      Shape shape;
      for (int64_t d; fields >> d;) shape.push_back(d);
      Tensor t = src == me ? mine.at(key) : zeros(shape, {.dtype = static_cast<Dtype>(dtype)});
      broadcast(t, src);
      if (to == -1 || to == me) out[key] = t;
    }
  }
  return out;
}

void ZeroRedundancyOptimizer::load_consolidated_state_dict(const optim::StateDict& state) {
  const auto total = state.find("group.0.params");
  STRATA_CHECK(total != state.end() && static_cast<size_t>(total->second.item()) == params_.size(),
               "ZeroRedundancyOptimizer::load_consolidated_state_dict: the state holds {} parameters, the "
               "optimiser {}",
               total == state.end() ? std::string("no count of")
                                    : std::to_string(static_cast<int64_t>(total->second.item())),
               params_.size());
  std::vector<int64_t> local(params_.size(), -1);  // index in parameters() -> this rank's local index
  int64_t next = 0;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (owner_[i] == rank()) local[i] = next++;
  }
  optim::StateDict shard;
  for (const auto& [key, t] : state) {
    int64_t index;
    std::string field;
    if (parse_state_key(key, index, field)) {
      STRATA_CHECK(
          index >= 0 && static_cast<size_t>(index) < params_.size(),
          "ZeroRedundancyOptimizer::load_consolidated_state_dict: entry '{}' names parameter {} of {}", key,
          index, params_.size());
      if (local[static_cast<size_t>(index)] >= 0)
        shard[state_key(local[static_cast<size_t>(index)], field)] = t;
    } else if (key == "group.0.params") {
      shard[key] = scalar_tensor(next, {.dtype = kInt64});
    } else {
      shard[key] = t;
    }
  }
  if (local_) local_->load_state_dict(shard);
}

int64_t ZeroRedundancyOptimizer::local_state_bytes() const {
  int64_t bytes = 0;
  for (const auto& [name, t] : state_dict()) {
    if (name.rfind("state.", 0) == 0) bytes += t.numel() * static_cast<int64_t>(t.element_size());
  }
  return bytes;
}

}  // namespace strata::dist
