#include "strata/data/graph/neighbor_sampler.h"

#include <algorithm>
#include <unordered_map>

#include "data/shuffle.h"
#include "strata/core/factory.h"
#include "strata/ops/indexing.h"

namespace strata::data::graph {

NeighborSampler::NeighborSampler(const Graph& graph, std::vector<int64_t> fanouts, std::vector<int64_t> seeds,
                                 int64_t batch_size, bool shuffle, uint64_t seed)
    : graph_(graph),
      fanouts_(std::move(fanouts)),
      seeds_(std::move(seeds)),
      batch_size_(batch_size),
      shuffle_(shuffle),
      generator_(seed) {
  graph.validate("NeighborSampler");
  STRATA_CHECK(batch_size > 0, "NeighborSampler: batch_size must be positive, got {}", batch_size);
  STRATA_CHECK(!fanouts_.empty(), "NeighborSampler: fanouts must list at least one hop");
  for (int64_t f : fanouts_)
    STRATA_CHECK(f > 0 || f == -1, "NeighborSampler: each fanout must be positive (or -1 for all), got {}",
                 f);
  const int64_t n = graph.num_nodes();
  for (int64_t s : seeds_)
    STRATA_CHECK(s >= 0 && s < n, "NeighborSampler: seed node {} outside [0, {})", s, n);
  // Incoming neighbours by target, in edge order (counting sort).
  const auto e = graph.edge_index.contiguous().to_vector<int64_t>();
  const auto m = static_cast<size_t>(graph.num_edges());
  ptr_.assign(static_cast<size_t>(n) + 1, 0);
  for (size_t k = 0; k < m; ++k) ++ptr_[static_cast<size_t>(e[m + k]) + 1];
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) ptr_[i + 1] += ptr_[i];
  sources_.resize(m);
  std::vector<int64_t> next(ptr_.begin(), ptr_.end() - 1);
  for (size_t k = 0; k < m; ++k) sources_[static_cast<size_t>(next[static_cast<size_t>(e[m + k])]++)] = e[k];
  order_ = seeds_;
}

int64_t NeighborSampler::size() const {
  return (static_cast<int64_t>(seeds_.size()) + batch_size_ - 1) / batch_size_;
}

void NeighborSampler::start_epoch() {
  if (!shuffle_) return;
  const auto perm = detail::permutation(static_cast<int64_t>(seeds_.size()), generator_);
  for (size_t k = 0; k < perm.size(); ++k) order_[k] = seeds_[static_cast<size_t>(perm[k])];
}

SampledBatch NeighborSampler::batch(int64_t index) {
  STRATA_CHECK(index >= 0 && index < size(), "NeighborSampler: batch {} outside [0, {})", index, size());
  SampledBatch out;
  const auto b = static_cast<size_t>(index * batch_size_);
  const auto e = std::min(order_.size(), b + static_cast<size_t>(batch_size_));
  std::unordered_map<int64_t, int64_t> local;
  auto add_node = [&](int64_t v) {
    auto [it, added] = local.try_emplace(v, static_cast<int64_t>(out.nodes.size()));
    if (added) out.nodes.push_back(v);
    return it->second;
  };
  for (size_t k = b; k < e; ++k) add_node(order_[k]);
  out.num_seeds = static_cast<int64_t>(out.nodes.size());
  std::vector<int64_t> src, dst;
  size_t frontier_begin = 0;
  auto& engine = generator_.engine();
  std::vector<int64_t> pool;
  for (int64_t fanout : fanouts_) {
    const size_t frontier_end = out.nodes.size();
    for (size_t f = frontier_begin; f < frontier_end; ++f) {
      const int64_t v = out.nodes[f];
      const int64_t dst_local = static_cast<int64_t>(f);
      const int64_t lo = ptr_[static_cast<size_t>(v)], hi = ptr_[static_cast<size_t>(v) + 1];
      const int64_t deg = hi - lo;
      pool.assign(sources_.begin() + lo, sources_.begin() + hi);
      const int64_t take = fanout < 0 ? deg : std::min(fanout, deg);
      for (int64_t k = 0; k < take; ++k) {  // partial Fisher-Yates: a sample without replacement
        const auto j = k + static_cast<int64_t>(detail::bounded(engine, static_cast<uint64_t>(deg - k)));
        std::swap(pool[static_cast<size_t>(k)], pool[static_cast<size_t>(j)]);
        src.push_back(add_node(pool[static_cast<size_t>(k)]));
        dst.push_back(dst_local);
      }
    }
    frontier_begin = frontier_end;
  }
  const Tensor at = from_vector<int64_t>(out.nodes);
  std::vector<int64_t> all(src);
  all.insert(all.end(), dst.begin(), dst.end());
  out.graph.edge_index = from_vector<int64_t>(all, {2, static_cast<int64_t>(src.size())});
  auto take = [&](const Tensor& t) { return t.defined() ? ops::index_select(t, 0, at) : t; };
  out.graph.x = take(graph_.x);
  out.graph.y = take(graph_.y);
  out.graph.train_mask = take(graph_.train_mask);
  out.graph.val_mask = take(graph_.val_mask);
  out.graph.test_mask = take(graph_.test_mask);
  out.graph.class_names = graph_.class_names;
  return out;
}

std::vector<int64_t> mask_nodes(const Tensor& mask) {
  STRATA_CHECK(mask.defined() && mask.dim() == 1, "mask_nodes: mask must be u8 [N]");
  const auto m = mask.contiguous().to(kUInt8).to_vector<uint8_t>();
  std::vector<int64_t> out;
  for (size_t i = 0; i < m.size(); ++i)
    if (m[i]) out.push_back(static_cast<int64_t>(i));
  return out;
}

}  // namespace strata::data::graph
