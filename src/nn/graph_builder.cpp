#include "strata/nn/graph_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "strata/autograd/grad_mode.h"
#include "strata/core/did_you_mean.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/nn/container.h"
#include "strata/nn/merge.h"

namespace strata::nn {
namespace {

using Variables = std::map<std::string, ArgValue>;

// What flows along an edge during the dry run: a shape (empty: unknown) and a dtype (token ids stay i64
// until an embedding turns them into vectors).
struct Value {
  Shape shape;
  Dtype dtype = kFloat32;
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string shapes_str(const std::vector<Value>& values) {
  std::vector<std::string> s;
  for (const auto& x : values) s.push_back(x.shape.str());
  return join(s);
}

class Builder {
 public:
  Builder(const GraphSpec& spec, const GraphBuildOptions& options, BuiltModel& out)
      : spec_(spec), registry_(options.registry ? *options.registry : layer_registry()), out_(out) {}

  // A graph of `nodes` reading an input of `in` (empty: unknown); sets `out_shape` to its output's.
  std::shared_ptr<GraphImpl> graph(const std::vector<NodeSpec>& nodes, const std::string& output,
                                   const Variables& vars, const Value& in, Value& out_value) {
    STRATA_CHECK(!nodes.empty(), "a graph needs at least one node");
    // Names and inputs as written; unnamed nodes are named by position, a node without `from` reads the
    // one written before it.
    const size_t n = nodes.size();
    std::vector<std::string> names(n);
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < n; ++i) {
      names[i] = nodes[i].name.empty() ? std::to_string(i) : nodes[i].name;
      if (names[i] == GraphImpl::kInput || names[i].find('.') != std::string::npos) {
        fail(nodes[i],
             fmt::format("'{}' cannot name a node (names have no dots and '{}' is the graph's input)",
                         names[i], GraphImpl::kInput));
      }
      if (!index.emplace(names[i], i).second)
        fail(nodes[i], fmt::format("node '{}' is defined twice", names[i]));
    }
    std::vector<std::vector<std::string>> inputs(n);
    for (size_t i = 0; i < n; ++i) {
      inputs[i] = nodes[i].from;
      if (inputs[i].empty()) inputs[i].push_back(i == 0 ? GraphImpl::kInput : names[i - 1]);
      for (const auto& in_name : inputs[i]) {
        if (in_name != GraphImpl::kInput && !index.count(in_name)) {
          std::vector<std::string> known{GraphImpl::kInput};
          known.insert(known.end(), names.begin(), names.end());
          fail(nodes[i], fmt::format("node '{}' reads '{}', which is not a node here (nodes: {})", names[i],
                                     in_name, join(known)));
        }
      }
    }
    const std::vector<size_t> order = topological_order(nodes, names, inputs, index);

    auto g = std::make_shared<GraphImpl>();
    std::map<std::string, Value> value{{GraphImpl::kInput, in}};
    for (size_t i : order) {
      std::vector<Value> in_values;
      for (const auto& in_name : inputs[i]) in_values.push_back(value.at(in_name));
      Value node_out;
      std::shared_ptr<Module> m = node(nodes[i], names[i], false, in_values, vars, node_out);
      try {
        g->add(names[i], m, inputs[i]);
      } catch (const Error& e) {
        fail(nodes[i], e.what());
      }
      value[names[i]] = node_out;
    }
    if (!output.empty()) {
      if (!index.count(output)) STRATA_FAIL("the output '{}' is not a node (nodes: {})", output, join(names));
      g->set_output(output);
    }
    out_value = value.at(g->output());
    return g;
  }

  // A chain of `nodes`, each reading the one before.
  std::shared_ptr<SequentialImpl> chain(const std::vector<NodeSpec>& nodes, const Variables& vars,
                                        const Value& in, Value& out_value) {
    auto seq = std::make_shared<SequentialImpl>();
    Value value = in;
    std::set<std::string> seen;
    for (const NodeSpec& n : nodes) {
      if (!n.from.empty()) {
        fail(n,
             "a node of a layer list reads the one before it and cannot have 'from' (write a graph for "
             "other inputs)");
      }
      // An unnamed repeated layer adds its copies to the chain itself, numbered on (torchvision's
      // "layer2.1", "layer2.2" after a first block "layer2.0"); a named one is a chain of its own.
      const int64_t copies = n.name.empty() ? n.repeat : 1;
      NodeSpec one = n;
      if (n.name.empty()) one.repeat = 1;
      for (int64_t r = 0; r < copies; ++r) {
        const std::string name = n.name.empty() ? std::to_string(seq->size()) : n.name;
        if (!seen.insert(name).second) fail(n, fmt::format("node '{}' is defined twice", name));
        Value next;
        seq->push_back(name, node(one, name, true, {value}, vars, next));
        value = next;
      }
    }
    out_value = value;
    return seq;
  }

 private:
  [[noreturn]] static void fail(const NodeSpec& n, const std::string& message) {
    // Messages that already say where they come from (an inner node's) pass through unchanged.
    if (!n.where.empty() && message.rfind(n.where, 0) != 0) throw Error(n.where + ": " + message);
    throw Error(message);
  }

  // The order to build and run the nodes: every node after its inputs, otherwise as written. A cycle is
  // reported with its nodes.
  std::vector<size_t> topological_order(const std::vector<NodeSpec>& nodes,
                                        const std::vector<std::string>& names,
                                        const std::vector<std::vector<std::string>>& inputs,
                                        const std::map<std::string, size_t>& index) {
    const size_t n = nodes.size();
    std::vector<int> state(n, 0);  // 0 new, 1 on the current path, 2 done
    std::vector<size_t> order, path;
    std::function<void(size_t)> visit = [&](size_t i) {
      if (state[i] == 2) return;
      if (state[i] == 1) {
        std::vector<std::string> cycle;
        auto start = std::find(path.begin(), path.end(), i);
        for (auto it = start; it != path.end(); ++it) cycle.push_back(names[*it]);
        cycle.push_back(names[i]);
        std::string text;
        for (const auto& c : cycle) text += (text.empty() ? "" : " -> ") + c;
        fail(nodes[i],
             fmt::format("the nodes form a cycle: {} (each reads the one after it); a graph must be "
                         "acyclic",
                         text));
      }
      state[i] = 1;
      path.push_back(i);
      for (const auto& in_name : inputs[i]) {
        if (in_name != GraphImpl::kInput) visit(index.at(in_name));
      }
      path.pop_back();
      state[i] = 2;
      order.push_back(i);
    };
    for (size_t i = 0; i < n; ++i) visit(i);
    return order;
  }

  // One node (with its repeats).
  // How messages name a node: by position in a layer list ("layer 3"), by name in a graph ("node 'fc'").
  static std::string label(const std::string& name, bool chained) {
    const bool position = !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit);
    return chained && position ? "layer " + name : "node '" + name + "'";
  }

  std::shared_ptr<Module> node(const NodeSpec& n, const std::string& name, bool chained,
                               const std::vector<Value>& in, const Variables& vars, Value& out_value) {
    if (n.repeat < 1) fail(n, fmt::format("node '{}': repeat must be at least 1, got {}", name, n.repeat));
    if (n.repeat == 1) return single(n, name, chained, in, vars, out_value);
    if (in.size() != 1)
      fail(n, fmt::format("node '{}': a repeated node reads one input, got {}", name, in.size()));
    auto seq = std::make_shared<SequentialImpl>();
    Value value = in[0];
    for (int64_t r = 0; r < n.repeat; ++r) {
      Value next;
      seq->push_back(single(n, name, chained, {value}, vars, next));
      value = next;
    }
    out_value = value;
    return seq;
  }

  std::shared_ptr<Module> single(const NodeSpec& n, const std::string& name, bool chained,
                                 const std::vector<Value>& in, const Variables& vars, Value& out_value) {
    if (n.op == "sequential") {
      if (n.body.empty()) fail(n, fmt::format("node '{}': 'sequential' needs a list of nodes", name));
      if (in.size() != 1) fail(n, fmt::format("node '{}': a sequential chain reads one input", name));
      auto seq = chain(n.body, vars, in[0], out_value);
      out_.where[seq.get()] = n.where;
      return seq;
    }
    if (auto block = spec_.blocks.find(n.op); block != spec_.blocks.end()) {
      return block_instance(n, name, block->first, block->second, in, vars, out_value);
    }
    if (!registry_.find(n.op)) {
      std::vector<std::string> known = registry_.names();
      for (const auto& [b, _] : spec_.blocks) known.push_back(b);
      std::sort(known.begin(), known.end());
      fail(n, fmt::format("unknown layer '{}'{} (layers: {}{}{})", n.op, did_you_mean(n.op, known),
                          join(registry_.names()), spec_.blocks.empty() ? "" : "; blocks: ", block_names()));
    }
    std::shared_ptr<Module> m;
    try {
      ArgMap args = n.args;
      if (!n.positional.empty()) args = registry_.by_position(n.op, n.positional);
      if (n.scalar) args = registry_.shorthand(n.op, *n.scalar);
      m = registry_.create(n.op, args, in.size() == 1 ? in[0].shape : Shape{}, vars);
    } catch (const Error& e) {
      fail(n, chained ? std::string(e.what()) : fmt::format("{}: {}", label(name, false), e.what()));
    }
    out_.where[m.get()] = n.where;
    out_value = dry_run(n, label(name, chained), *m, in);
    return m;
  }

  std::shared_ptr<Module> block_instance(const NodeSpec& n, const std::string& name,
                                         const std::string& block_name, const BlockSpec& block,
                                         const std::vector<Value>& in, const Variables& outer,
                                         Value& out_value) {
    if (std::find(active_.begin(), active_.end(), block_name) != active_.end()) {
      fail(n, fmt::format("block '{}' uses itself (blocks in use: {})", block_name, join(active_)));
    }
    if (in.size() != 1)
      fail(n, fmt::format("node '{}': block '{}' reads one input, got {}", name, block_name, in.size()));
    std::vector<std::string> params;
    for (const auto& [p, _] : block.params) params.push_back(p);
    ArgMap given = n.args;
    if (!n.positional.empty()) {
      if (n.positional.size() > params.size()) {
        fail(n, fmt::format("block '{}' takes at most {} arguments ({}), got {}", block_name, params.size(),
                            params.empty() ? "none" : join(params), n.positional.size()));
      }
      for (size_t i = 0; i < n.positional.size(); ++i) given[params[i]] = n.positional[i];
    }
    if (n.scalar) {
      if (params.empty()) fail(n, fmt::format("block '{}' takes no arguments", block_name));
      given[params[0]] = *n.scalar;
    }
    Variables vars = outer;  // a block sees the outer variables (vocab_size) and its own parameters
    for (const auto& [key, value] : given) {
      if (std::find(params.begin(), params.end(), key) == params.end()) {
        fail(n, fmt::format("block '{}' has no parameter '{}' (parameters: {})", block_name, key,
                            params.empty() ? "none" : join(params)));
      }
      ArgValue v = value;
      // An argument may itself refer to a parameter of the enclosing block ("channels: $width").
      for (auto& item : v.items) {
        if (!item.empty() && item[0] == '$') {
          auto it = outer.find(item.substr(1));
          if (it == outer.end()) {
            fail(n, fmt::format("block '{}': parameter '{}' refers to {}, which is not defined here",
                                block_name, key, item));
          }
          if (it->second.items.size() == 1 && !it->second.is_list)
            item = it->second.items[0];
          else
            v = it->second;
        }
      }
      vars[key] = v;
    }
    for (const auto& [p, fallback] : block.params) {
      if (given.count(p)) continue;
      if (!fallback) fail(n, fmt::format("block '{}' needs parameter '{}'", block_name, p));
      vars[p] = *fallback;
    }
    active_.push_back(block_name);
    std::shared_ptr<GraphImpl> g;
    try {
      g = graph(block.nodes, block.output, vars, in[0], out_value);
    } catch (const Error& e) {
      active_.pop_back();
      throw Error(fmt::format("{} (in block '{}', used by node '{}'{})", e.what(), block_name, name,
                              n.where.empty() ? "" : " at " + n.where));
    }
    active_.pop_back();
    out_.where[g.get()] = n.where;
    return g;
  }

  // Runs zeros of the inputs' shapes and dtypes through `m` to learn its output's; reports a misfit by name.
  Value dry_run(const NodeSpec& n, const std::string& label, Module& m, const std::vector<Value>& in) {
    for (const auto& v : in) {
      if (v.shape.empty()) return {};  // no input shape given: nothing to check
    }
    NoGradGuard no_grad;
    const bool was_training = m.is_training();
    m.eval();
    try {
      std::vector<Tensor> xs;
      for (const auto& v : in) xs.push_back(zeros(v.shape, {.dtype = v.dtype}));
      Tensor y = xs.size() == 1 ? m.forward(xs[0]) : dynamic_cast<MergeImpl&>(m).forward(xs);
      m.train(was_training);
      return {y.shape(), y.dtype()};
    } catch (const Error& e) {
      m.train(was_training);
      fail(n, fmt::format("layer '{}' ({}) does not fit its input{} of shape {}: {}", n.op, label,
                          in.size() > 1 ? "s" : "", shapes_str(in), e.what()));
    }
  }

  std::string block_names() const {
    std::vector<std::string> b;
    for (const auto& [name, _] : spec_.blocks) b.push_back(name);
    return join(b);
  }

  const GraphSpec& spec_;
  const LayerRegistry& registry_;
  BuiltModel& out_;
  std::vector<std::string> active_;  // blocks being built, innermost last (a block may not use itself)
};

}  // namespace

BuiltModel build_graph(const GraphSpec& spec, const GraphBuildOptions& options) {
  BuiltModel out;
  Builder builder(spec, options, out);
  const Value in{options.input_shape, options.input_dtype};
  Value output;
  if (spec.sequential) {
    out.module = builder.chain(spec.nodes, options.variables, in, output);
  } else {
    out.module = builder.graph(spec.nodes, spec.output, options.variables, in, output);
  }
  out.output_shape = output.shape;
  return out;
}

}  // namespace strata::nn
