#include "strata/nn/message_passing.h"

#include <vector>

#include "strata/core/factory.h"
#include "strata/ops/indexing.h"
#include "strata/ops/view.h"

namespace strata::nn {
namespace {

void check_edge_index(const Tensor& edge_index, const char* op) {
  STRATA_CHECK(edge_index.defined() && edge_index.dtype() == kInt64 && edge_index.dim() == 2 &&
                   edge_index.size(0) == 2,
               "{}: edge_index must be i64 of shape [2, E], got {}", op,
               edge_index.defined() ? edge_index.shape().str() : std::string("undefined"));
}

Tensor from_pairs(const std::vector<int64_t>& src, const std::vector<int64_t>& dst) {
  std::vector<int64_t> all(src);
  all.insert(all.end(), dst.begin(), dst.end());
  return from_vector<int64_t>(all, {2, static_cast<int64_t>(src.size())});
}

// Sources and targets of edge_index as vectors, keeping the edges `keep` accepts.
template <typename Keep>
std::pair<std::vector<int64_t>, std::vector<int64_t>> edges_where(const Tensor& edge_index, Keep keep) {
  const Tensor e = edge_index.contiguous();
  const int64_t n = e.size(1);
  const int64_t* p = e.data_ptr<int64_t>();
  std::vector<int64_t> s, d;
  for (int64_t k = 0; k < n; ++k)
    if (keep(p[k], p[n + k])) {
      s.push_back(p[k]);
      d.push_back(p[n + k]);
    }
  return {s, d};
}

}  // namespace

MessageGraph MessageGraph::from_edge_index(const Tensor& edge_index, int64_t num_nodes, const char* op) {
  check_edge_index(edge_index, op);
  STRATA_CHECK(num_nodes >= 0, "{}: num_nodes must be >= 0, got {}", op, num_nodes);
  const Tensor e = edge_index.contiguous();
  const int64_t n = e.size(1);
  const int64_t* p = e.data_ptr<int64_t>();
  for (int64_t k = 0; k < 2 * n; ++k)
    STRATA_CHECK(p[k] >= 0 && p[k] < num_nodes, "{}: edge {} ({} -> {}) names a node outside [0, {})", op,
                 k % n, p[k % n], p[n + k % n], num_nodes);
  MessageGraph g;
  g.source = e.select(0, 0).contiguous();
  g.target = e.select(0, 1).contiguous();
  g.by_target = ops::make_segments(g.target, num_nodes, op);
  g.num_nodes = num_nodes;
  return g;
}

Tensor MessageGraph::edge_index() const { return ops::stack({source, target}); }

Tensor remove_self_loops(const Tensor& edge_index) {
  check_edge_index(edge_index, "remove_self_loops");
  auto [s, d] = edges_where(edge_index, [](int64_t a, int64_t b) { return a != b; });
  return from_pairs(s, d);
}

Tensor add_self_loops(const Tensor& edge_index, int64_t num_nodes) {
  check_edge_index(edge_index, "add_self_loops");
  auto [s, d] = edges_where(edge_index, [](int64_t a, int64_t b) { return a != b; });
  for (int64_t i = 0; i < num_nodes; ++i) {
    s.push_back(i);
    d.push_back(i);
  }
  return from_pairs(s, d);
}

Tensor add_remaining_self_loops(const Tensor& edge_index, int64_t num_nodes) {
  check_edge_index(edge_index, "add_remaining_self_loops");
  std::vector<char> has(static_cast<size_t>(num_nodes), 0);
  auto [s, d] = edges_where(edge_index, [&](int64_t a, int64_t b) {
    if (a == b && a >= 0 && a < num_nodes) has[static_cast<size_t>(a)] = 1;
    return true;
  });
  for (int64_t i = 0; i < num_nodes; ++i)
    if (!has[static_cast<size_t>(i)]) {
      s.push_back(i);
      d.push_back(i);
    }
  return from_pairs(s, d);
}

Tensor gather_source(const Tensor& x, const MessageGraph& graph) {
  return ops::index_select(x, 0, graph.source);
}

Tensor gather_target(const Tensor& x, const MessageGraph& graph) {
  return ops::index_select(x, 0, graph.target);
}

Tensor aggregate(const Tensor& messages, const MessageGraph& graph, ops::Reduce aggr) {
  return ops::scatter_reduce(messages, graph.by_target, aggr);
}

Tensor edge_softmax(const Tensor& scores, const MessageGraph& graph) {
  return ops::segment_softmax(scores, graph.by_target);
}

Tensor propagate_weighted(const Tensor& x, const Tensor& edge_weight, const MessageGraph& graph) {
  const ops::Segments& seg = graph.by_target;
  const ops::SparseCSR a{seg.ptr, ops::index_select(graph.source, 0, seg.perm),
                         seg.identity ? edge_weight : ops::index_select(edge_weight, 0, seg.perm),
                         graph.num_nodes, graph.num_nodes};
  return ops::spmm(a, x);
}

}  // namespace strata::nn
