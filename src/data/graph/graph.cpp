#include "strata/data/graph/graph.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "data/shuffle.h"
#include "strata/core/factory.h"
#include "strata/ops/indexing.h"

namespace strata::data::graph {
namespace {

Tensor edges_from(const std::vector<std::pair<int64_t, int64_t>>& e) {
  std::vector<int64_t> v(2 * e.size());
  for (size_t k = 0; k < e.size(); ++k) {
    v[k] = e[k].first;
    v[e.size() + k] = e[k].second;
  }
  return from_vector<int64_t>(v, {2, static_cast<int64_t>(e.size())});
}

std::vector<std::pair<int64_t, int64_t>> pairs_of(const Tensor& edge_index) {
  const Tensor e = edge_index.contiguous();
  const int64_t n = e.size(1);
  const int64_t* p = e.data_ptr<int64_t>();
  std::vector<std::pair<int64_t, int64_t>> out(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) out[static_cast<size_t>(k)] = {p[k], p[n + k]};
  return out;
}

Tensor take(const Tensor& t, const Tensor& index) { return t.defined() ? ops::index_select(t, 0, index) : t; }

}  // namespace

int64_t Graph::num_nodes() const {
  if (x.defined()) return x.size(0);
  if (y.defined() && y.dim() == 1 && !batch.defined()) return y.size(0);
  if (!edge_index.defined() || edge_index.numel() == 0) return 0;
  const auto v = edge_index.contiguous().to_vector<int64_t>();
  return *std::max_element(v.begin(), v.end()) + 1;
}

int64_t Graph::num_classes() const {
  if (!class_names.empty()) return static_cast<int64_t>(class_names.size());
  if (!y.defined() || y.numel() == 0) return 0;
  const auto v = y.contiguous().to_vector<int64_t>();
  return *std::max_element(v.begin(), v.end()) + 1;
}

void Graph::validate(const std::string& what) const {
  STRATA_CHECK(edge_index.defined() && edge_index.dtype() == kInt64 && edge_index.dim() == 2 &&
                   edge_index.size(0) == 2,
               "{}: edge_index must be i64 [2, E], got {}", what,
               edge_index.defined() ? edge_index.shape().str() : std::string("undefined"));
  const int64_t n = num_nodes();
  for (int64_t v : edge_index.contiguous().to_vector<int64_t>())
    STRATA_CHECK(v >= 0 && v < n, "{}: edge_index names node {} but the graph has {} nodes", what, v, n);
  if (x.defined()) STRATA_CHECK(x.dim() == 2, "{}: x must be [N, F], got {}", what, x.shape().str());
  if (y.defined() && !batch.defined())
    STRATA_CHECK(y.dim() == 1 && y.size(0) == n, "{}: y must be [{}] (one label per node), got {}", what, n,
                 y.shape().str());
  for (const auto* m : {&train_mask, &val_mask, &test_mask})
    if (m->defined())
      STRATA_CHECK(m->dim() == 1 && m->size(0) == n, "{}: masks must be [{}], got {}", what, n,
                   m->shape().str());
  if (!node_names.empty())
    STRATA_CHECK(static_cast<int64_t>(node_names.size()) == n, "{}: {} node names for {} nodes", what,
                 node_names.size(), n);
}

Tensor to_undirected(const Tensor& edge_index, int64_t num_nodes) {
  std::set<std::pair<int64_t, int64_t>> both;
  for (auto [s, t] : pairs_of(edge_index)) {
    STRATA_CHECK(s >= 0 && s < num_nodes && t >= 0 && t < num_nodes,
                 "to_undirected: edge {} -> {} names a node outside [0, {})", s, t, num_nodes);
    if (s == t) continue;
    both.insert({s, t});
    both.insert({t, s});
  }
  return edges_from({both.begin(), both.end()});
}

void stratified_masks(Graph& g, double train_fraction, double val_fraction, uint64_t seed) {
  STRATA_CHECK(g.y.defined() && g.y.dim() == 1, "stratified_masks: the graph needs node labels y [N]");
  STRATA_CHECK(train_fraction > 0 && val_fraction >= 0 && train_fraction + val_fraction < 1,
               "stratified_masks: fractions train {} and val {} must be positive and sum below 1",
               train_fraction, val_fraction);
  const auto y = g.y.contiguous().to_vector<int64_t>();
  const int64_t n = static_cast<int64_t>(y.size());
  std::map<int64_t, std::vector<int64_t>> by_class;
  for (int64_t i = 0; i < n; ++i)
    if (y[static_cast<size_t>(i)] >= 0) by_class[y[static_cast<size_t>(i)]].push_back(i);
  std::vector<uint8_t> train(static_cast<size_t>(n), 0), val(train), test(train);
  Generator gen(seed);
  for (auto& [label, nodes] : by_class) {
    const auto perm = detail::permutation(static_cast<int64_t>(nodes.size()), gen);
    const auto m = static_cast<int64_t>(nodes.size());
    const int64_t n_train =
        std::max<int64_t>(1, static_cast<int64_t>(train_fraction * static_cast<double>(m)));
    const int64_t n_val = static_cast<int64_t>(val_fraction * static_cast<double>(m));
    for (int64_t k = 0; k < m; ++k) {
      const auto node = static_cast<size_t>(nodes[static_cast<size_t>(perm[static_cast<size_t>(k)])]);
      (k < n_train ? train : k < n_train + n_val ? val : test)[node] = 1;
    }
  }
  g.train_mask = from_vector<uint8_t>(train);
  g.val_mask = from_vector<uint8_t>(val);
  g.test_mask = from_vector<uint8_t>(test);
}

Graph collate_graphs(const std::vector<Graph>& graphs) {
  STRATA_CHECK(!graphs.empty(), "collate_graphs: no graphs");
  std::vector<Tensor> xs, ys, edges;
  std::vector<int64_t> batch;
  int64_t offset = 0;
  for (size_t gi = 0; gi < graphs.size(); ++gi) {
    const Graph& g = graphs[gi];
    g.validate(fmt::format("collate_graphs: graph {}", gi));
    const int64_t n = g.num_nodes();
    STRATA_CHECK(g.x.defined() == graphs[0].x.defined() && g.y.defined() == graphs[0].y.defined(),
                 "collate_graphs: graph {} has x/y where graph 0 has not (or the reverse)", gi);
    if (g.x.defined()) {
      STRATA_CHECK(g.x.size(1) == graphs[0].x.size(1),
                   "collate_graphs: graph {} has {} features, graph 0 has {}", gi, g.x.size(1),
                   graphs[0].x.size(1));
      xs.push_back(g.x);
    }
    if (g.y.defined()) ys.push_back(g.y);
    auto e = g.edge_index.contiguous().to_vector<int64_t>();
    for (int64_t& v : e) v += offset;
    edges.push_back(from_vector<int64_t>(e, {2, g.num_edges()}));
    batch.insert(batch.end(), static_cast<size_t>(n), static_cast<int64_t>(gi));
    offset += n;
  }
  Graph out;
  out.edge_index = ops::cat(edges, 1);
  if (!xs.empty()) out.x = ops::cat(xs, 0);
  if (!ys.empty()) out.y = ops::cat(ys, 0);
  out.batch = from_vector<int64_t>(batch);
  out.class_names = graphs[0].class_names;
  return out;
}

Graph subgraph(const Graph& g, const std::vector<int64_t>& nodes) {
  const int64_t n = g.num_nodes();
  std::vector<int64_t> local(static_cast<size_t>(n), -1);
  for (size_t k = 0; k < nodes.size(); ++k) {
    STRATA_CHECK(nodes[k] >= 0 && nodes[k] < n, "subgraph: node {} is outside [0, {})", nodes[k], n);
    local[static_cast<size_t>(nodes[k])] = static_cast<int64_t>(k);
  }
  std::vector<std::pair<int64_t, int64_t>> kept;
  for (auto [s, t] : pairs_of(g.edge_index))
    if (local[static_cast<size_t>(s)] >= 0 && local[static_cast<size_t>(t)] >= 0)
      kept.push_back({local[static_cast<size_t>(s)], local[static_cast<size_t>(t)]});
  const Tensor index = from_vector<int64_t>(nodes);
  Graph out;
  out.edge_index = edges_from(kept);
  out.x = take(g.x, index);
  out.y = take(g.y, index);
  out.train_mask = take(g.train_mask, index);
  out.val_mask = take(g.val_mask, index);
  out.test_mask = take(g.test_mask, index);
  out.class_names = g.class_names;
  return out;
}

}  // namespace strata::data::graph
