// The backward engine: collects the graph reachable from the root, then runs each node once all of
// its consumers have contributed to its gradient (reverse topological order).
#include "strata/autograd/engine.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "strata/autograd/grad_hooks.h"
#include "strata/autograd/grad_mode.h"
#include "strata/autograd/node.h"
#include "strata/core/factory.h"
#include "strata/ops/elementwise.h"

namespace strata::autograd {
namespace {

Tensor accumulate(const Tensor& acc, const Tensor& g) { return acc.defined() ? ops::add(acc, g) : g; }

// ---- hooks (grad_hooks.h) ------------------------------------------------------------------------
// Registered hooks live in one table under a mutex; a backward with none registered pays one atomic load.
struct Hooks {
  std::mutex mutex;
  std::atomic<size_t> leaf_hooks{0};
  std::atomic<size_t> end_hooks{0};
  uint64_t next_id = 1;
  std::vector<std::pair<uint64_t, std::pair<TensorImpl*, PostAccumulateGradHook>>> leaf;
  std::vector<std::pair<uint64_t, BackwardEndHook>> end;
};

Hooks& hooks() {
  static Hooks h;
  return h;
}

// The post-accumulate hooks of `leaf` (copied, so a hook may register or remove hooks).
std::vector<PostAccumulateGradHook> leaf_hooks_of(TensorImpl* leaf) {
  Hooks& h = hooks();
  std::lock_guard lock(h.mutex);
  std::vector<PostAccumulateGradHook> out;
  for (auto& [id, entry] : h.leaf) {
    if (entry.first == leaf) out.push_back(entry.second);
  }
  return out;
}

// Per-backward count of the uses of each hooked leaf still to be accumulated.
using LeafUses = std::unordered_map<TensorImpl*, int>;

thread_local int backward_depth = 0;

Tensor root_gradient(const Tensor& root, const Tensor& gradient) {
  if (gradient.defined()) {
    STRATA_CHECK(gradient.shape() == root.shape(), "backward: gradient of shape {} for an output of shape {}",
                 gradient.shape().str(), root.shape().str());
    return gradient.dtype() == root.dtype() ? gradient : gradient.to(root.dtype());
  }
  STRATA_CHECK(root.numel() == 1,
               "backward: a gradient can be created implicitly only for one-element outputs; this output has "
               "shape {}, so pass a gradient",
               root.shape().str());
  return ones_like(root);
}

// Per-node bookkeeping of one backward run, in an open-addressing table keyed by node pointer. Tables are
// kept per thread and reused, so a steady-state backward allocates nothing for its bookkeeping (a
// backward started from inside a backward rule gets a table of its own).
struct NodeState {
  Node* node = nullptr;
  int dependencies = 0;  // consumers in the graph that have not yet contributed
  Tensor grad;           // gradient accumulated so far
};

class NodeTable {
 public:
  // Empties the table, keeping its memory.
  void clear() {
    for (int32_t i : used_) slots_[static_cast<size_t>(i)] = -1;
    used_.clear();
    states_.clear();
    stack_.clear();
    ready_.clear();
  }
  // The state of `n`, inserted (with zero dependencies) when absent.
  NodeState& get(Node* n, bool& inserted) {
    size_t i = 0;
    if (!slots_.empty()) {
      i = hash(n) & (slots_.size() - 1);
      while (slots_[i] >= 0) {
        NodeState& st = states_[static_cast<size_t>(slots_[i])];
        if (st.node == n) {
          inserted = false;
          return st;
        }
        i = (i + 1) & (slots_.size() - 1);
      }
    }
    if ((states_.size() + 1) * 2 > slots_.size()) {
      grow();
      i = hash(n) & (slots_.size() - 1);
      while (slots_[i] >= 0) i = (i + 1) & (slots_.size() - 1);
    }
    slots_[i] = static_cast<int32_t>(states_.size());
    used_.push_back(static_cast<int32_t>(i));
    states_.push_back({n, 0, Tensor()});
    inserted = true;
    return states_.back();
  }
  NodeState& get(Node* n) {
    bool inserted = false;
    return get(n, inserted);
  }
  std::vector<Node*>& stack() { return stack_; }
  std::vector<std::shared_ptr<Node>>& ready() { return ready_; }

 private:
  static size_t hash(const Node* n) {
    return static_cast<size_t>((reinterpret_cast<uintptr_t>(n) >> 4) * 0x9E3779B97F4A7C15ull >> 16);
  }
  void grow() {
    const size_t size = std::max<size_t>(64, slots_.size() * 2);
    slots_.assign(size, -1);
    used_.clear();
    for (size_t k = 0; k < states_.size(); ++k) {
      size_t i = hash(states_[k].node) & (size - 1);
      while (slots_[i] >= 0) i = (i + 1) & (size - 1);
      slots_[i] = static_cast<int32_t>(k);
      used_.push_back(static_cast<int32_t>(i));
    }
  }
  std::vector<int32_t> slots_;  // index into states_, or -1
  std::vector<int32_t> used_;   // occupied slots, to clear them cheaply
  std::vector<NodeState> states_;
  std::vector<Node*> stack_;
  std::vector<std::shared_ptr<Node>> ready_;
};

// Lends the calling thread a cleared table for one run (nested runs get the next one).
class TableLease {
 public:
  TableLease() {
    if (depth_ == pool_.size()) pool_.push_back(std::make_unique<NodeTable>());
    table_ = pool_[depth_++].get();
  }
  ~TableLease() {
    table_->clear();
    --depth_;
  }
  TableLease(const TableLease&) = delete;
  TableLease& operator=(const TableLease&) = delete;
  NodeTable& operator*() const { return *table_; }

 private:
  static thread_local std::vector<std::unique_ptr<NodeTable>> pool_;
  static thread_local size_t depth_;
  NodeTable* table_;
};
thread_local std::vector<std::unique_ptr<NodeTable>> TableLease::pool_;
thread_local size_t TableLease::depth_ = 0;

// Runs the graph below `root`. Leaf gradients go to `sink` (leaf impl, gradient).
// With `uses` (backward() with hooks registered), runs each hooked leaf's post-accumulate hooks once its last
// use in the graph has been accumulated.
template <typename Sink>
void run(const Tensor& root, const Tensor& gradient, bool retain_graph, bool create_graph, Sink sink,
         LeafUses* uses = nullptr) {
  STRATA_CHECK(root.defined(), "backward: tensor is undefined");
  STRATA_CHECK(root.requires_grad(),
               "backward: tensor does not require grad and has no grad_fn (no input of the ops that made it "
               "requires grad, or it was computed under NoGradGuard)");
  std::optional<NoGradGuard> no_grad;
  std::optional<EnableGradGuard> enable_grad;
  if (create_graph) {
    enable_grad.emplace();
  } else {
    no_grad.emplace();
  }
  const Tensor g0 = root_gradient(root, gradient);
  if (!root.grad_fn()) {
    sink(root.impl(), g0);
    if (uses) {
      for (auto& hook : leaf_hooks_of(root.impl())) hook(root);
    }
    return;
  }

  TableLease lease;
  NodeTable& table = *lease;
  // Count, for each node, how many edges from other nodes in the graph point at it.
  std::vector<Node*>& stack = table.stack();
  stack.push_back(root.grad_fn().get());
  table.get(root.grad_fn().get());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    STRATA_CHECK(!n->released(),
                 "backward through {} a second time: the graph was freed by the first backward; pass "
                 "retain_graph=true to the first call",
                 n->name());
    for (const Edge& e : n->edges()) {
      if (uses && e.leaf) {
        if (auto it = uses->find(e.leaf.get()); it != uses->end()) ++it->second;
      }
      if (!e.node) continue;
      bool inserted = false;
      ++table.get(e.node.get(), inserted).dependencies;
      if (inserted) stack.push_back(e.node.get());
    }
  }

  table.get(root.grad_fn().get()).grad = g0;
  std::vector<std::shared_ptr<Node>>& ready = table.ready();
  ready.push_back(root.grad_fn());
  while (!ready.empty()) {
    std::shared_ptr<Node> node = std::move(ready.back());
    ready.pop_back();
    Tensor g = std::move(table.get(node.get()).grad);
    const std::vector<Edge>& edges = node->edges();
    // A node no gradient reached still releases its inputs' dependency counts.
    Grads input_grads = g.defined() ? node->apply(g) : Grads(edges.size());
    g = Tensor();
    STRATA_CHECK(input_grads.size() == edges.size(), "backward of {} returned {} gradients for {} inputs",
                 node->name(), input_grads.size(), edges.size());
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.defined()) continue;
      Tensor& gi = input_grads[i];
      if (gi.defined()) {
        STRATA_CHECK(gi.shape() == e.shape,
                     "backward of {} returned a gradient of shape {} for input {} of shape {}", node->name(),
                     gi.shape().str(), i, e.shape.str());
        if (gi.dtype() != e.dtype) gi = gi.to(e.dtype);
      }
      if (e.leaf) {
        if (gi.defined()) sink(e.leaf.get(), gi);
        if (uses) {
          auto it = uses->find(e.leaf.get());
          if (it != uses->end() && --it->second == 0 && e.leaf->grad) {
            const Tensor leaf(e.leaf);
            for (auto& hook : leaf_hooks_of(e.leaf.get())) hook(leaf);
          }
        }
        continue;
      }
      // (A reference into the table stays valid here: every node was inserted by the first pass.)
      NodeState& st = table.get(e.node.get());
      if (gi.defined()) st.grad = accumulate(st.grad, gi);
      if (--st.dependencies == 0) ready.push_back(e.node);
    }
    input_grads.clear();
    if (!retain_graph) node->release();
  }
}

}  // namespace

void backward(const Tensor& root, const Tensor& gradient, bool retain_graph, bool create_graph) {
  Hooks& h = hooks();
  std::optional<LeafUses> uses;
  if (h.leaf_hooks.load(std::memory_order_relaxed) > 0) {
    uses.emplace();
    // Only hooked leaves are counted.
    std::lock_guard lock(h.mutex);
    for (auto& [id, entry] : h.leaf) (*uses)[entry.first] = 0;
  }
  struct Depth {
    Depth() { ++backward_depth; }
    ~Depth() { --backward_depth; }
  } depth;
  run(
      root, gradient, retain_graph, create_graph,
      [create_graph](TensorImpl* leaf, const Tensor& g) {
        if (leaf->grad) {
          leaf->grad = ops::add(Tensor(leaf->grad), g).impl_ptr();
        } else if (create_graph) {
          leaf->grad = g.impl_ptr();
        } else {
          // Own the memory: a gradient may be a broadcast view or shared with the caller.
          const bool exclusive =
              g.is_contiguous() && g.storage().use_count() == 1 && g.impl()->use_count() == 1;
          leaf->grad = (exclusive ? g.detach() : g.detach().clone()).impl_ptr();
        }
      },
      uses ? &*uses : nullptr);
  if (backward_depth == 1 && h.end_hooks.load(std::memory_order_relaxed) > 0) {
    std::vector<BackwardEndHook> end;
    {
      std::lock_guard lock(h.mutex);
      for (auto& [id, hook] : h.end) end.push_back(hook);
    }
    for (auto& hook : end) hook();
  }
}

uint64_t register_post_accumulate_grad_hook(const Tensor& leaf, PostAccumulateGradHook hook) {
  STRATA_CHECK(leaf.defined() && leaf.is_leaf() && leaf.requires_grad(),
               "register_post_accumulate_grad_hook: the tensor must be a leaf that requires grad");
  STRATA_CHECK(static_cast<bool>(hook), "register_post_accumulate_grad_hook: the hook is empty");
  Hooks& h = hooks();
  std::lock_guard lock(h.mutex);
  const uint64_t id = h.next_id++;
  h.leaf.push_back({id, {leaf.impl(), std::move(hook)}});
  h.leaf_hooks = h.leaf.size();
  return id;
}

uint64_t register_backward_end_hook(BackwardEndHook hook) {
  STRATA_CHECK(static_cast<bool>(hook), "register_backward_end_hook: the hook is empty");
  Hooks& h = hooks();
  std::lock_guard lock(h.mutex);
  const uint64_t id = h.next_id++;
  h.end.push_back({id, std::move(hook)});
  h.end_hooks = h.end.size();
  return id;
}

void remove_hook(uint64_t id) {
  Hooks& h = hooks();
  std::lock_guard lock(h.mutex);
  std::erase_if(h.leaf, [id](const auto& e) { return e.first == id; });
  std::erase_if(h.end, [id](const auto& e) { return e.first == id; });
  h.leaf_hooks = h.leaf.size();
  h.end_hooks = h.end.size();
}

std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs, const Tensor& gradient,
                         bool retain_graph, bool create_graph) {
  std::unordered_map<TensorImpl*, Tensor> found;
  for (const Tensor& t : inputs) {
    STRATA_CHECK(t.requires_grad() && t.is_leaf(), "grad: inputs must be leaf tensors that require grad");
    found[t.impl()] = Tensor();
  }
  run(output, gradient, retain_graph, create_graph, [&](TensorImpl* leaf, const Tensor& g) {
    auto it = found.find(leaf);
    if (it != found.end()) it->second = it->second.defined() ? ops::add(it->second, g) : g;
  });
  std::vector<Tensor> out;
  for (const Tensor& t : inputs) {
    Tensor g = found[t.impl()];
    out.push_back(g.defined() ? g : zeros_like(t));
  }
  return out;
}

}  // namespace strata::autograd
