#include "strata/train/node_classification.h"

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/data/graph/neighbor_sampler.h"
#include "strata/ops/indexing.h"
#include "strata/ops/loss.h"
#include "strata/optim/adam.h"

namespace strata::train {
namespace {

Tensor rows(const std::vector<int64_t>& v) { return from_vector<int64_t>(v); }

}  // namespace

double masked_accuracy(const Tensor& logits, const Tensor& y, const Tensor& mask) {
  const auto m = mask.contiguous().to(kUInt8).to_vector<uint8_t>();
  const auto pred = logits.argmax(1).to_vector<int64_t>();
  const auto truth = y.contiguous().to_vector<int64_t>();
  int64_t hit = 0, total = 0;
  for (size_t i = 0; i < m.size(); ++i)
    if (m[i]) {
      ++total;
      hit += pred[i] == truth[i];
    }
  return total == 0 ? 0.0 : static_cast<double>(hit) / static_cast<double>(total);
}

NodeClassificationResult fit_node_classification(nn::GraphLayer& model, const data::graph::Graph& graph,
                                                 const NodeClassificationOptions& options,
                                                 const std::function<void(const NodeEpoch&)>& on_epoch) {
  graph.validate("fit_node_classification");
  STRATA_CHECK(graph.x.defined() && graph.y.defined() && graph.train_mask.defined(),
               "fit_node_classification: the graph needs x, y and train_mask");
  STRATA_CHECK(options.epochs > 0, "fit_node_classification: epochs must be positive, got {}",
               options.epochs);
  const auto train_nodes = data::graph::mask_nodes(graph.train_mask);
  STRATA_CHECK(!train_nodes.empty(), "fit_node_classification: train_mask selects no node");
  const nn::MessageGraph full = nn::MessageGraph::from_edge_index(graph.edge_index, graph.num_nodes());
  optim::Adam opt(model.parameters(), {.lr = options.lr, .weight_decay = options.weight_decay});
  std::unique_ptr<data::graph::NeighborSampler> sampler;
  if (!options.fanouts.empty())
    sampler = std::make_unique<data::graph::NeighborSampler>(graph, options.fanouts, train_nodes,
                                                             options.batch_size, true, options.seed);
  const Tensor train_index = rows(train_nodes);
  const Tensor train_y = ops::index_select(graph.y, 0, train_index);
  NodeClassificationResult result;
  for (int64_t epoch = 1; epoch <= options.epochs; ++epoch) {
    model.train();
    double loss_sum = 0;
    int64_t seen = 0;
    if (!sampler) {
      opt.zero_grad();
      const Tensor logits = model.forward(graph.x, full);
      const Tensor loss = ops::cross_entropy(ops::index_select(logits, 0, train_index), train_y);
      loss.backward();
      opt.step();
      loss_sum = loss.item<double>();
      seen = 1;
    } else {
      sampler->start_epoch();
      for (int64_t b = 0; b < sampler->size(); ++b) {
        const auto batch = sampler->batch(b);
        const auto g = nn::MessageGraph::from_edge_index(batch.graph.edge_index,
                                                         static_cast<int64_t>(batch.nodes.size()));
        opt.zero_grad();
        const Tensor logits = model.forward(batch.graph.x, g).narrow(0, 0, batch.num_seeds);
        const Tensor loss = ops::cross_entropy(logits, batch.graph.y.narrow(0, 0, batch.num_seeds));
        loss.backward();
        opt.step();
        loss_sum += loss.item<double>() * static_cast<double>(batch.num_seeds);
        seen += batch.num_seeds;
      }
    }
    model.eval();
    NodeEpoch e;
    e.epoch = epoch;
    e.loss = loss_sum / static_cast<double>(seen);
    {
      autograd::NoGradGuard no_grad;
      const Tensor logits = model.forward(graph.x, full);
      e.train_accuracy = masked_accuracy(logits, graph.y, graph.train_mask);
      if (graph.val_mask.defined()) e.val_accuracy = masked_accuracy(logits, graph.y, graph.val_mask);
      if (graph.test_mask.defined()) e.test_accuracy = masked_accuracy(logits, graph.y, graph.test_mask);
    }
    result.history.push_back(e);
    if (!options.select_on_val || epoch == 1 || e.val_accuracy > result.best.val_accuracy) result.best = e;
    if (on_epoch) on_epoch(e);
  }
  return result;
}

}  // namespace strata::train
