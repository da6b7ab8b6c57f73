// Post-training static int8 quantisation: calibration, per-layer timing, accuracy fallback, files.
//
// Plan: find the Conv2d / Linear layers that are children of a Sequential or Graph (the only places a layer
// can be swapped for another type; a Graph runs whatever child Module::replace put in a node's place), with
// the BatchNorm2d and ReLU that read them alone, calibrate their input ranges with observer wrappers, then
// decide per layer (timing, then accuracy) and install the int8 layers. The install step is a pure function
// of the set of kept layers, so the fallback can try sets freely.
#include "strata/quantization/quantize.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <optional>
#include <set>

#include "kernels/cpu/int8.h"
#include "kernels/cpu/memory_format.h"
#include "quantization/int8_weights.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/nn/activation.h"
#include "strata/nn/container.h"
#include "strata/nn/graph.h"
#include "strata/nn/normalization.h"
#include "strata/nn/pooling.h"
#include "strata/ops/activation.h"
#include "strata/ops/reduction.h"
#include "strata/quantization/layers.h"

namespace strata::quantization {

using detail::float_weight;
using detail::round_weight_to_int8;

CalibrationMethod parse_calibration_method(const std::string& name) {
  if (name == "minmax") return CalibrationMethod::MinMax;
  if (name == "percentile") return CalibrationMethod::Percentile;
  STRATA_FAIL("quantize: unknown calibration method '{}' (expected minmax or percentile)", name);
}

// ---- RangeObserver -----------------------------------------------------------------------------------

namespace {
constexpr int64_t kSample = 1 << 16;  // |x| values kept per observed batch
}  // namespace

void RangeObserver::observe(const Tensor& input) {
  STRATA_CHECK(input.dtype() == kFloat32, "RangeObserver: expected f32 values, got {}",
               dtype_name(input.dtype()));
  const Tensor x = input.contiguous();
  const float* p = x.data_ptr<float>();
  const int64_t n = x.numel();
  if (n == 0) return;
  float lo = p[0], hi = p[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = std::min(lo, p[i]);
    hi = std::max(hi, p[i]);
  }
  min_ = count_ == 0 ? lo : std::min(min_, lo);
  max_ = count_ == 0 ? hi : std::max(max_, hi);
  count_ += n;
  const int64_t stride = std::max<int64_t>(1, n / kSample);
  for (int64_t i = 0; i < n; i += stride) sample_.push_back(std::fabs(p[i]));
}

float RangeObserver::abs_percentile(double pct) const {
  STRATA_CHECK(!sample_.empty(), "RangeObserver: nothing observed");
  STRATA_CHECK(pct > 0 && pct <= 100, "RangeObserver: percentile must be in (0, 100], got {}", pct);
  std::vector<float> s = sample_;
  const double pos = pct / 100.0 * static_cast<double>(s.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  std::nth_element(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(lo), s.end());
  const float a = s[lo];
  if (lo + 1 >= s.size()) return a;
  const float b = *std::min_element(s.begin() + static_cast<std::ptrdiff_t>(lo) + 1, s.end());
  return a + static_cast<float>(pos - static_cast<double>(lo)) * (b - a);
}

float RangeObserver::scale(CalibrationMethod method, double percentile) const {
  STRATA_CHECK(count_ > 0, "RangeObserver: nothing observed");
  float range = std::max(std::fabs(min_), std::fabs(max_));
  if (method == CalibrationMethod::Percentile) range = std::min(range, abs_percentile(percentile));
  const float s = range / (is_signed() ? 127.f : 255.f);
  return s > 0 && std::isfinite(s) ? s : 1.f;
}

namespace {

using Clock = std::chrono::steady_clock;

// Records the input of the layer it wraps.
class ObserverImpl : public nn::Module {
 public:
  ObserverImpl(std::shared_ptr<nn::Module> inner, RangeObserver* observer, Shape* shape, bool* channels_last)
      : nn::Module("Observer"),
        inner_(std::move(inner)),
        observer_(observer),
        shape_(shape),
        cl_(channels_last) {}
  Tensor forward(const Tensor& x) override {
    observer_->observe(x);
    *shape_ = x.shape();
    *cl_ = x.dim() == 4 && kernels::cpu::is_channels_last(x);
    return inner_->forward(x);
  }

 private:
  std::shared_ptr<nn::Module> inner_;
  RangeObserver* observer_;
  Shape* shape_;
  bool* cl_;
};

// One Conv2d / Linear that may become int8, with the BatchNorm2d folded into it and the ReLU fused after it
// when they are its only readers.
struct Candidate {
  std::string path, bn_path, relu_path, pool_path, kind;
  std::shared_ptr<nn::Module> original, bn, relu, pool;  // pool: a 2x2 max pool that may be fused
  std::shared_ptr<nn::Module> folded;  // the layer with the batch norm folded in (or `original`)
  std::string parent;                  // path of its Sequential or Graph
  int input_node = -1;                 // the node it reads in its parent (-1: the parent's input)
  int output_node = 0;                 // its last fused node
  bool output_single_reader = false;   // that node's value is read by one node only
  // The fusable pool that follows, and output_node / output_single_reader with and without it.
  std::shared_ptr<nn::Module> fusable_pool;
  std::string fusable_pool_path;
  int unpooled_output_node = 0, pooled_output_node = 0;
  bool unpooled_single_reader = false, pooled_single_reader = false;
  // The residual Add that alone reads the layer (with a shortcut), and the ReLU that alone reads the Add:
  // fused (residual) the layer becomes a QuantizedConv2dAdd in the Add's place.
  std::shared_ptr<nn::Module> add, add_relu;
  std::string add_path, add_relu_path;
  int64_t add_branch = 0;
  bool residual = false;
  RangeObserver range;
  Shape shape;
  bool channels_last = false;
  QuantOptions quant;
  LayerReport report;
};

LayerReport stays_f32(const std::string& name, const std::string& kind, const std::string& reason) {
  LayerReport r;
  r.name = name;
  r.kind = kind;
  r.reason = reason;
  return r;
}

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// The children of a Sequential or Graph in run order, with the node each reads (-1: the container's input;
// merges: -2) and how many nodes read each one (the container's output counts as a reader).
struct Topology {
  std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>> nodes;
  std::vector<int> input;
  std::vector<int> readers;
  std::vector<std::vector<int>> inputs;  // every node's inputs (merges have several)
};

std::optional<Topology> topology(nn::Module& m) {
  Topology t;
  if (m.type_name() == "BasicBlock") {
    // The zoo's ResNet block: conv1 -> bn1 -> relu -> conv2 -> bn2, whose end the residual add reads (it
    // runs its children by name once one is replaced).
    for (const char* name : {"conv1", "bn1", "relu", "conv2", "bn2"})
      for (const auto& [n, c] : m.named_children())
        if (n == name) t.nodes.emplace_back(n, c);
    if (t.nodes.size() != 5) return std::nullopt;
    t.input = {-1, 0, 1, 2, 3};
    t.readers = {1, 1, 1, 1, 1};
    t.inputs = {{-1}, {0}, {1}, {2}, {3}};
    return t;
  }
  t.nodes = m.named_children();
  const int n = static_cast<int>(t.nodes.size());
  t.readers.assign(t.nodes.size(), 0);
  if (dynamic_cast<nn::SequentialImpl*>(&m)) {
    for (int i = 0; i < n; ++i) t.input.push_back(i - 1);
    for (int i = 0; i < n; ++i) t.inputs.push_back({i - 1});
    for (int i = 0; i < n; ++i) t.readers[static_cast<size_t>(i)] = 1;
    return t;
  }
  auto* g = dynamic_cast<nn::GraphImpl*>(&m);
  if (!g) return std::nullopt;
  auto index = [&](const std::string& name) {
    for (int i = 0; i < n; ++i)
      if (t.nodes[static_cast<size_t>(i)].first == name) return i;
    return -1;
  };
  for (int i = 0; i < n; ++i) {
    const auto& ins = g->inputs_of(t.nodes[static_cast<size_t>(i)].first);
    std::vector<int> idx;
    for (const auto& in : ins) idx.push_back(in == nn::GraphImpl::kInput ? -1 : index(in));
    for (int j : idx)
      if (j >= 0) ++t.readers[static_cast<size_t>(j)];
    t.input.push_back(idx.size() == 1 ? idx[0] : -2);
    t.inputs.push_back(idx);
  }
  const int out = index(g->output());
  if (out >= 0) ++t.readers[static_cast<size_t>(out)];
  return t;
}

// The only node reading node k, when exactly one reads it and reads nothing else; -1 otherwise.
int sole_reader(const Topology& t, int k) {
  if (t.readers[static_cast<size_t>(k)] != 1) return -1;
  for (size_t j = 0; j < t.nodes.size(); ++j)
    if (t.input[j] == k) return static_cast<int>(j);
  return -1;
}

// conv with `bn` folded in: w * gamma / sqrt(var + eps) per output channel, bias (b - mean) * that + beta.
std::shared_ptr<nn::Module> fold(const nn::Conv2dImpl& conv, const nn::BatchNormImpl& bn) {
  nn::Conv2dOptions o = conv.options;
  o.bias = true;
  auto out = std::make_shared<nn::Conv2dImpl>(conv.in_channels, conv.out_channels, conv.kernel_size, o);
  const int64_t oc = conv.out_channels, per = conv.weight.numel() / oc;
  const std::vector<float> w = conv.weight.contiguous().to_vector<float>();
  const std::vector<float> mean = bn.running_mean.to_vector<float>(), var = bn.running_var.to_vector<float>();
  const std::vector<float> gamma =
      bn.options.affine ? bn.weight.to_vector<float>() : std::vector<float>(oc, 1.f);
  const std::vector<float> beta =
      bn.options.affine ? bn.bias.to_vector<float>() : std::vector<float>(oc, 0.f);
  const std::vector<float> b =
      conv.bias.defined() ? conv.bias.to_vector<float>() : std::vector<float>(oc, 0.f);
  float* ow = out->weight.data_ptr<float>();
  float* ob = out->bias.data_ptr<float>();
  for (int64_t c = 0; c < oc; ++c) {
    const auto u = static_cast<size_t>(c);
    const double k = gamma[u] / std::sqrt(static_cast<double>(var[u]) + bn.options.eps);
    for (int64_t i = 0; i < per; ++i)
      ow[c * per + i] = static_cast<float>(w[static_cast<size_t>(c * per + i)] * k);
    ob[c] = static_cast<float>((b[u] - mean[u]) * k + beta[u]);
  }
  return out;
}

// Whether `m` is a 2x2 stride-2 max pool that `conv` can fuse (Int8ConvGeometry::max_pool).
bool fusable_pool(const nn::Conv2dImpl& conv, nn::Module& m) {
  auto* pool = dynamic_cast<nn::MaxPool2dImpl*>(&m);
  if (!pool) return false;
  const nn::PoolOptions& po = pool->options;
  const bool stride2 = (po.stride.h == 2 || po.stride.h == 0) && (po.stride.w == 2 || po.stride.w == 0);
  const nn::Conv2dOptions& co = conv.options;
  return pool->kernel_size.h == 2 && pool->kernel_size.w == 2 && stride2 && po.padding.h == 0 &&
         po.padding.w == 0 && !po.ceil_mode && co.stride.h == 1 && co.stride.w == 1 && co.dilation.h == 1 &&
         co.dilation.w == 1 && co.groups == 1 && !co.padding.same && co.padding.h % 2 == 0 &&
         co.padding.w % 2 == 0;
}

// Fuses the candidate's pool into it (on) or leaves the pool a separate f32 layer.
void set_pool(Candidate& c, bool on) {
  on = on && c.fusable_pool;
  c.pool = on ? c.fusable_pool : nullptr;
  c.pool_path = on ? c.fusable_pool_path : "";
  c.output_node = on ? c.pooled_output_node : c.unpooled_output_node;
  c.output_single_reader = on ? c.pooled_single_reader : c.unpooled_single_reader;
  c.quant.max_pool = on;
  c.report.max_pool = on;
}

// The Conv2d / Linear nodes of every Sequential and Graph in `model` (others are reported as staying f32).
std::vector<Candidate> find_candidates(nn::Module& model, std::vector<LayerReport>& skipped) {
  std::vector<std::pair<std::string, nn::Module*>> all = {{"", &model}};
  for (auto& [name, m] : model.named_modules()) all.emplace_back(name, m.get());
  std::set<std::string> found;
  std::vector<Candidate> out;
  for (auto& [prefix, m] : all) {
    const std::optional<Topology> t = topology(*m);
    if (!t) continue;
    for (size_t i = 0; i < t->nodes.size(); ++i) {
      const auto& [name, child] = t->nodes[i];
      const bool conv = dynamic_cast<nn::Conv2dImpl*>(child.get()) != nullptr;
      const bool linear = dynamic_cast<nn::LinearImpl*>(child.get()) != nullptr;
      if (!conv && !linear) continue;
      Candidate c;
      c.path = join(prefix, name);
      c.kind = conv ? "Conv2d" : "Linear";
      c.original = c.folded = child;
      c.parent = prefix;
      c.input_node = t->input[i];
      c.output_node = static_cast<int>(i);
      found.insert(c.path);
      if (conv && static_cast<nn::Conv2dImpl*>(child.get())->options.padding.same) {
        skipped.push_back(stays_f32(c.path, c.kind, "padding=same"));
        continue;
      }
      int next = sole_reader(*t, c.output_node);
      if (conv && next >= 0 && t->nodes[static_cast<size_t>(next)].second->type_name() == "BatchNorm2d") {
        c.bn = t->nodes[static_cast<size_t>(next)].second;
        c.bn_path = join(prefix, t->nodes[static_cast<size_t>(next)].first);
        c.folded = fold(static_cast<nn::Conv2dImpl&>(*child), static_cast<nn::BatchNormImpl&>(*c.bn));
        c.output_node = next;
        next = sole_reader(*t, next);
      }
      if (next >= 0 && t->nodes[static_cast<size_t>(next)].second->type_name() == "ReLU") {
        c.relu = t->nodes[static_cast<size_t>(next)].second;
        c.relu_path = join(prefix, t->nodes[static_cast<size_t>(next)].first);
        c.output_node = next;
      }
      auto single = [&](int k) { return t->readers[static_cast<size_t>(k)] == 1 && sole_reader(*t, k) >= 0; };
      c.unpooled_output_node = c.output_node;
      c.unpooled_single_reader = single(c.output_node);
      next = sole_reader(*t, c.output_node);
      if (conv && next >= 0 &&
          fusable_pool(static_cast<nn::Conv2dImpl&>(*child), *t->nodes[static_cast<size_t>(next)].second)) {
        c.fusable_pool = t->nodes[static_cast<size_t>(next)].second;
        c.fusable_pool_path = join(prefix, t->nodes[static_cast<size_t>(next)].first);
        c.pooled_output_node = next;
        c.pooled_single_reader = single(next);
      }
      set_pool(c, c.fusable_pool != nullptr);
      if (conv && !c.relu && !c.fusable_pool && t->readers[static_cast<size_t>(c.output_node)] == 1) {
        for (size_t j = 0; j < t->nodes.size(); ++j) {
          const std::vector<int>& ins = t->inputs[j];
          if (ins.size() != 2 || t->nodes[j].second->type_name() != "Add" || ins[0] == ins[1]) continue;
          if (ins[0] != c.output_node && ins[1] != c.output_node) continue;
          c.add = t->nodes[j].second;
          c.add_path = join(prefix, t->nodes[j].first);
          c.add_branch = ins[0] == c.output_node ? 0 : 1;
          const int r = sole_reader(*t, static_cast<int>(j));
          if (r >= 0 && t->nodes[static_cast<size_t>(r)].second->type_name() == "ReLU") {
            c.add_relu = t->nodes[static_cast<size_t>(r)].second;
            c.add_relu_path = join(prefix, t->nodes[static_cast<size_t>(r)].first);
          }
        }
      }
      out.push_back(std::move(c));
    }
  }
  for (auto& [name, m] : all) {
    const bool conv = dynamic_cast<nn::Conv2dImpl*>(m) != nullptr;
    if ((conv || dynamic_cast<nn::LinearImpl*>(m)) && !found.count(name))
      skipped.push_back(stays_f32(name, conv ? "Conv2d" : "Linear", "not in a Sequential or Graph"));
  }
  return out;
}

std::shared_ptr<nn::Module> make_quantized(const Candidate& c, const QuantOptions& q) {
  if (c.kind == "Conv2d")
    return std::make_shared<QuantizedConv2dImpl>(static_cast<const nn::Conv2dImpl&>(*c.folded), q);
  return std::make_shared<QuantizedLinearImpl>(static_cast<const nn::LinearImpl&>(*c.folded), q);
}

// The QuantizedConv2dAdd that takes a residual candidate's Add node's place.
std::shared_ptr<nn::Module> make_residual(const Candidate& c) {
  QuantOptions q = c.quant;
  q.residual = true;
  q.relu = c.add_relu != nullptr;
  q.output_scale = 0;
  q.max_pool = false;
  auto conv = std::make_shared<QuantizedConv2dImpl>(static_cast<const nn::Conv2dImpl&>(*c.folded), q);
  return std::make_shared<QuantizedConv2dAddImpl>(conv, c.add_branch);
}

// The f32 residual join after a candidate: its Add (with `shortcut`) and the ReLU after it.
Tensor run_add(const Candidate& c, const Tensor& y, const Tensor& shortcut) {
  std::vector<Tensor> ins =
      c.add_branch == 0 ? std::vector<Tensor>{y, shortcut} : std::vector<Tensor>{shortcut, y};
  Tensor out = static_cast<nn::MergeImpl&>(*c.add).forward(ins);
  return c.add_relu ? c.add_relu->forward(out) : out;
}

// The f32 computation a candidate replaces: the layer, its batch norm, its ReLU and its pool.
Tensor run_f32(const Candidate& c, const Tensor& x) {
  Tensor y = c.original->forward(x);
  if (c.bn) {
    auto& bn = static_cast<nn::BatchNormImpl&>(*c.bn);
    y = c.relu ? bn.forward_relu(y) : bn.forward(y);
  } else if (c.relu) {
    y = ops::relu(y);
  }
  return c.pool ? c.pool->forward(y) : y;
}

// Installs int8 layers for the candidates in `keep` (f32 originals elsewhere), folding batch norms, fusing
// ReLUs and passing u8 to a kept layer that is the only reader of another kept layer's ReLU.
void install(nn::Module& model, std::vector<Candidate>& cs, const std::vector<bool>& keep) {
  for (size_t i = 0; i < cs.size(); ++i) {
    Candidate& c = cs[i];
    c.quant.relu = c.relu != nullptr;
    c.quant.output_scale = 0;
    c.report.u8_output = false;
    if (keep[i] && c.relu && c.output_single_reader) {
      for (size_t j = 0; j < cs.size(); ++j)
        if (keep[j] && cs[j].parent == c.parent && cs[j].input_node == c.output_node &&
            !cs[j].quant.input_signed) {
          c.quant.output_scale = cs[j].quant.input_scale;
          c.report.u8_output = true;
        }
    }
    const bool fused_add = keep[i] && c.residual;
    model.replace(c.path, fused_add ? nn::Identity().ptr()
                          : keep[i] ? make_quantized(c, c.quant)
                                    : c.original);
    if (c.add) model.replace(c.add_path, fused_add ? make_residual(c) : c.add);
    if (c.add_relu) model.replace(c.add_relu_path, fused_add ? nn::Identity().ptr() : c.add_relu);
    if (c.bn) model.replace(c.bn_path, keep[i] ? nn::Identity().ptr() : c.bn);
    if (c.relu) model.replace(c.relu_path, keep[i] ? nn::Identity().ptr() : c.relu);
    if (c.pool) model.replace(c.pool_path, keep[i] ? nn::Identity().ptr() : c.pool);
  }
}

// The fastest of several runs after two warm-ups: on a shared machine the minimum is the kernel's own speed,
// the median also measures the other processes.
double best_ms(const std::function<void()>& run) {
  run();
  run();
  double best = 1e300;
  for (int i = 0; i < 7; ++i) {
    const auto start = Clock::now();
    run();
    best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return best;
}

}  // namespace

double accuracy(nn::Module& model, data::DataLoader& loader) {
  autograd::NoGradGuard no_grad;
  int64_t right = 0, total = 0;
  for (const data::Batch& b : loader) {
    const Tensor logits = model.forward(b.input);
    STRATA_CHECK(logits.dim() == 2, "accuracy: expected logits [N, classes], got {}", logits.shape().str());
    const Tensor pred = ops::argmax(logits, 1).contiguous();
    const Tensor target = b.target.contiguous();
    STRATA_CHECK(target.dtype() == kInt64 && target.numel() == pred.numel(),
                 "accuracy: expected i64 targets [{}], got {} {}", pred.numel(), dtype_name(target.dtype()),
                 target.shape().str());
    const int64_t* p = pred.data_ptr<int64_t>();
    const int64_t* t = target.data_ptr<int64_t>();
    for (int64_t i = 0; i < pred.numel(); ++i) right += p[i] == t[i];
    total += pred.numel();
  }
  STRATA_CHECK(total > 0, "accuracy: the loader yielded no examples");
  return 100.0 * static_cast<double>(right) / static_cast<double>(total);
}

namespace {
// Layers that stay f32 because their int8 kernel is slower get int8-rounded weights (f32 kernels, I8 in the
// file); those reverted for accuracy keep their weights.
void round_slower_weights(std::vector<Candidate>& cs, const std::vector<bool>& keep) {
  for (size_t i = 0; i < cs.size(); ++i) {
    if (keep[i] || cs[i].report.reason != "slower") continue;
    Tensor w = float_weight(*cs[i].original);
    if (w.defined()) cs[i].report.int8_weights = round_weight_to_int8(w);
  }
}
}  // namespace

QuantizeReport quantize(nn::Module& model, data::DataLoader& calibration, const QuantizeOptions& options) {
  STRATA_CHECK(options.calibration_samples > 0, "quantize: calibration_samples must be positive, got {}",
               options.calibration_samples);
  STRATA_CHECK(options.timing_batch > 0, "quantize: timing_batch must be positive, got {}",
               options.timing_batch);
  model.eval();
  autograd::NoGradGuard no_grad;
  QuantizeReport report;
  std::vector<LayerReport> skipped;
  std::vector<Candidate> cs = find_candidates(model, skipped);
  STRATA_CHECK(!cs.empty(),
               "quantize: the model has no Conv2d or Linear layer inside a Sequential to quantise");

  // Calibration: observers in place of the layers.
  for (Candidate& c : cs)
    model.replace(c.path, std::make_shared<ObserverImpl>(c.original, &c.range, &c.shape, &c.channels_last));
  int64_t seen = 0;
  for (const data::Batch& b : calibration) {
    model.forward(b.input);
    seen += b.size();
    if (seen >= options.calibration_samples) break;
  }
  for (Candidate& c : cs) model.replace(c.path, c.original);
  STRATA_CHECK(seen > 0, "quantize: the calibration loader yielded no examples");
  for (Candidate& c : cs) {
    STRATA_CHECK(c.range.count() > 0, "quantize: layer '{}' saw no input during calibration", c.path);
    c.quant.input_scale = c.range.scale(options.method, options.percentile);
    c.quant.input_signed = c.range.is_signed();
    c.quant.relu = c.relu != nullptr;
    c.report = stays_f32(c.path, c.kind, "");
    c.report.input_scale = c.quant.input_scale;
    c.report.input_signed = c.quant.input_signed;
    c.report.relu = c.quant.relu;
  }

  // Timing: each layer alone at the timing batch, f32 (with its ReLU) against int8 (quantising its input).
  std::vector<bool> keep(cs.size(), true);
  for (size_t i = 0; i < cs.size(); ++i) {
    Candidate& c = cs[i];
    if (c.kind == "Linear" && c.shape.size() != 2) {
      keep[i] = false;
      c.report.reason = fmt::format("input {} (int8 Linear takes [N, in])", c.shape.str());
      continue;
    }
    std::vector<int64_t> dims = c.shape.vec();
    dims[0] = options.timing_batch;
    Tensor x = rand(Shape(dims)) * c.range.max();
    if (c.channels_last) x = kernels::cpu::to_channels_last(x);
    if (c.pool && (dims[2] % 2 != 0 || dims[3] % 2 != 0)) set_pool(c, false);
    double saved_pooled = -1e300;
    if (c.pool) {
      // Fused (conv, ReLU and pool in one int8 kernel) against unfused (the int8 conv, then the f32
      // pool): the variant that saves more time against f32 goes on.
      auto q = make_quantized(c, c.quant);
      const double f32_ms = best_ms([&] { run_f32(c, x); }), int8_ms = best_ms([&] { q->forward(x); });
      saved_pooled = f32_ms - int8_ms;
      c.report.f32_ms = f32_ms;
      c.report.int8_ms = int8_ms;
      set_pool(c, false);
    }
    auto q = make_quantized(c, c.quant);
    const double f32_ms = best_ms([&] { run_f32(c, x); }), int8_ms = best_ms([&] { q->forward(x); });
    if (saved_pooled > f32_ms - int8_ms) {
      set_pool(c, true);
    } else {
      c.report.f32_ms = f32_ms;
      c.report.int8_ms = int8_ms;
    }
    if (c.add) {
      // The residual join fused (one int8 kernel adds the shortcut before the ReLU) against the int8
      // layer followed by the f32 Add and ReLU.
      const Tensor y = run_f32(c, x);
      const Tensor shortcut = y * 0.5f;
      auto fused = make_residual(c);
      auto& merge = static_cast<nn::MergeImpl&>(*fused);
      const double f32_joined = best_ms([&] { run_add(c, run_f32(c, x), shortcut); });
      const double int8_joined = best_ms([&] { run_add(c, q->forward(x), shortcut); });
      const double int8_fused = best_ms([&] {
        merge.forward(c.add_branch == 0 ? std::vector<Tensor>{x, shortcut}
                                        : std::vector<Tensor>{shortcut, x});
      });
      c.residual = int8_fused < int8_joined && f32_joined - int8_fused > c.report.f32_ms - c.report.int8_ms;
      if (c.residual) {
        c.report.f32_ms = f32_joined;
        c.report.int8_ms = int8_fused;
      }
      c.report.residual_add = c.residual;
    }
    if (options.require_faster && c.report.int8_ms >= c.report.f32_ms) {
      keep[i] = false;
      c.report.reason = "slower";
    }
  }

  // Accuracy: revert the layer whose return to f32 helps most until the drop is within the budget.
  if (options.validation) {
    install(model, cs, std::vector<bool>(cs.size(), false));
    report.f32_accuracy = accuracy(model, *options.validation);
    install(model, cs, keep);
    double acc = accuracy(model, *options.validation);
    while (report.f32_accuracy - acc > options.accuracy_budget) {
      int best = -1;
      double best_acc = -1;
      for (size_t i = 0; i < cs.size(); ++i) {
        if (!keep[i]) continue;
        std::vector<bool> trial = keep;
        trial[i] = false;
        install(model, cs, trial);
        const double a = accuracy(model, *options.validation);
        if (a > best_acc) {
          best_acc = a;
          best = static_cast<int>(i);
        }
      }
      if (best < 0) break;
      keep[static_cast<size_t>(best)] = false;
      cs[static_cast<size_t>(best)].report.reason = "accuracy";
      acc = best_acc;
    }
    install(model, cs, keep);
    round_slower_weights(cs, keep);
    report.int8_accuracy = accuracy(model, *options.validation);
  } else {
    install(model, cs, keep);
    round_slower_weights(cs, keep);
  }
  for (size_t i = 0; i < cs.size(); ++i) {
    cs[i].report.int8 = keep[i];
    report.layers.push_back(cs[i].report);
  }
  for (auto& r : skipped) report.layers.push_back(r);
  return report;
}

}  // namespace strata::quantization
