// nn::summary and nn::profile: one forward pass on zeros, observed layer by layer (any container, any
// hand-written forward that calls its layers through operator()), with each layer's output shape,
// parameters and multiply-accumulates.
#include <fmt/format.h>

#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/nn/attention.h"
#include "strata/nn/conv.h"
#include "strata/nn/linear.h"
#include "strata/nn/rnn.h"

namespace strata::nn {
namespace {

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// Multiply-accumulates of one call: the products of the layer's weights with its input; layers without
// weight products (activations, norms, pooling) count none, as in torchinfo and fvcore.
int64_t macs_of(const Module& m, const std::vector<Shape>& in, const Shape& out) {
  if (auto* l = dynamic_cast<const LinearImpl*>(&m)) return numel(out) * l->in_features;
  if (auto* c = dynamic_cast<const Conv2dImpl*>(&m)) {
    return numel(out) * (c->in_channels / c->options.groups) * c->kernel_size.h * c->kernel_size.w;
  }
  if (auto* c = dynamic_cast<const Conv1dImpl*>(&m)) {
    return numel(out) * (c->in_channels / c->options.groups) * c->kernel_size;
  }
  if (auto* c = dynamic_cast<const ConvTranspose2dImpl*>(&m)) {
    return numel(in.at(0)) * (c->out_channels / c->options.groups) * c->kernel_size.h * c->kernel_size.w;
  }
  if (auto* a = dynamic_cast<const MultiheadAttentionImpl*>(&m); a && in.size() == 3 && !in[1].empty()) {
    // The four projections, then q k^T and the weighted sum of the values (embed_dim products each).
    const int64_t queries = numel(in[0]) / a->embed_dim, keys = numel(in[1]) / a->kdim;
    const int64_t key_len = in[1].size() == 2 || a->options.batch_first ? in[1][in[1].size() - 2] : in[1][0];
    return 2 * queries * a->embed_dim * a->embed_dim + keys * (a->kdim + a->vdim) * a->embed_dim +
           2 * queries * key_len * a->embed_dim;
  }
  if (dynamic_cast<const RNNBaseImpl*>(&m) && !in.empty() && !in[0].empty()) {
    // Every weight matrix multiplies one vector per step of every sequence.
    int64_t weights = 0;
    for (const auto& [name, p] : m.named_parameters()) {
      if (name.rfind("weight", 0) == 0) weights += p.numel();
    }
    return weights * (numel(in[0]) / in[0].back());
  }
  return 0;
}

// Whether any descendant of `m` is in `called`.
bool calls_a_descendant(const Module& m, const std::set<const Module*>& called) {
  for (const auto& [name, child] : m.named_children()) {
    if (called.count(child.get()) || calls_a_descendant(*child, called)) return true;
  }
  return false;
}

struct Recorder : ForwardObserver {
  struct Call {
    const Module* module;
    std::vector<Shape> in;
    Shape out;
  };
  std::vector<Call> calls;
  void on_forward(const Module& m, const std::vector<Shape>& in, const Tensor& out) override {
    calls.push_back({&m, in, out.shape()});
  }
};

}  // namespace

std::vector<LayerProfile> profile(Module& module, const Shape& input_shape, Dtype input_dtype) {
  Recorder recorder;
  {
    NoGradGuard no_grad;
    const bool was_training = module.is_training();
    module.eval();
    ObserveForwards observe(&recorder);
    try {
      module(zeros(input_shape, {.dtype = input_dtype}));
    } catch (...) {
      module.train(was_training);
      throw;
    }
    module.train(was_training);
  }
  std::set<const Module*> called;
  for (const auto& call : recorder.calls) called.insert(call.module);
  std::map<const Module*, std::string> names;
  for (const auto& [name, m] : module.named_modules()) names.emplace(m.get(), name);
  std::vector<LayerProfile> rows;
  for (const auto& call : recorder.calls) {
    // Leaves only: a container's row would count its layers twice. A module with no children that is
    // called directly (the whole model) still gets a row.
    // A module with children whose children were not called themselves (MultiheadAttention applies its
    // out_proj as an op) is a leaf too.
    if (!call.module->named_children().empty() && !(call.module == &module && recorder.calls.size() == 1) &&
        calls_a_descendant(*call.module, called))
      continue;
    auto it = names.find(call.module);
    std::string name = it == names.end() || it->second.empty() ? call.module->type_name() : it->second;
    rows.push_back({name, call.module->type_name(), call.in, call.out, call.module->num_parameters(),
                    macs_of(*call.module, call.in, call.out)});
  }
  return rows;
}

std::string summary(Module& module, const Shape& input_shape, Dtype input_dtype) {
  const std::vector<LayerProfile> rows = profile(module, input_shape, input_dtype);
  // A layer called twice (shared weights) counts its parameters once.
  std::set<std::string> counted;
  int64_t total_macs = 0;
  size_t w0 = 12, w1 = 12;
  for (const auto& r : rows) {
    w0 = std::max(w0, r.name.size() + r.type.size() + 3);
    w1 = std::max(w1, r.output.str().size());
    total_macs += r.macs;
  }
  auto human = [](double v) {
    const char* unit[] = {"", "K", "M", "G", "T"};
    int u = 0;
    while (v >= 1000 && u < 4) v /= 1000, ++u;
    return u == 0 ? fmt::format("{:.0f}", v) : fmt::format("{:.2f} {}", v, unit[u]);
  };
  std::ostringstream os;
  const std::string rule(w0 + w1 + 32, '-');
  os << rule << "\n"
     << std::left << std::setw(static_cast<int>(w0) + 2) << "Layer (type)"
     << std::setw(static_cast<int>(w1) + 2) << "Output shape" << std::right << std::setw(12) << "Params"
     << std::setw(16) << "Mult-adds"
     << "\n"
     << rule << "\n";
  for (const auto& r : rows) {
    const bool first = counted.insert(r.name).second;
    os << std::left << std::setw(static_cast<int>(w0) + 2) << (r.name + " (" + r.type + ")")
       << std::setw(static_cast<int>(w1) + 2) << r.output.str() << std::right << std::setw(12)
       << (first ? r.params : 0) << std::setw(16) << r.macs << "\n";
  }
  os << rule << "\n"
     << "Total params: " << module.num_parameters() << " ("
     << human(static_cast<double>(module.num_parameters())) << ")\n"
     << "Trainable params: " << module.num_parameters(true) << "\n"
     << "Non-trainable params: " << module.num_parameters() - module.num_parameters(true) << "\n"
     << "Total mult-adds: " << total_macs << " (" << human(static_cast<double>(total_macs)) << ") for input "
     << input_shape.str() << "\n"
     << rule << "\n";
  return os.str();
}

}  // namespace strata::nn
