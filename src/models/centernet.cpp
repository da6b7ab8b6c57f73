#include "strata/models/centernet.h"

#include <algorithm>
#include <cmath>

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/data/vision/object_canvas.h"
#include "strata/nn/activation.h"
#include "strata/nn/init.h"
#include "strata/nn/normalization.h"
#include "strata/ops/activation.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/pooling.h"
#include "strata/ops/reduction.h"
#include "strata/ops/upsample.h"
#include "strata/optim/adam.h"

namespace strata::models {
namespace {

const CenterNetOptions& checked(const CenterNetOptions& o) {
  STRATA_CHECK(
      o.in_channels > 0 && o.num_classes > 0 && o.width > 0 && o.head_channels > 0,
      "CenterNet: in_channels ({}), num_classes ({}), width ({}) and head_channels ({}) must be positive",
      o.in_channels, o.num_classes, o.width, o.head_channels);
  STRATA_CHECK(
      o.max_detections > 0 && o.nms_iou >= 0 && o.nms_iou <= 1 && o.size_weight >= 0,
      "CenterNet: max_detections ({}) must be positive, nms_iou ({}) in [0, 1], size_weight ({}) >= 0",
      o.max_detections, o.nms_iou, o.size_weight);
  return o;
}

ResNetSpec backbone_spec(int64_t width) {
  return {.name = "centernet backbone",
          .block = ResNetSpec::Block::Basic,
          .blocks = {1, 1, 1},
          .planes = {width, 2 * width, 4 * width},
          .stem = ResNetSpec::Stem::ImageNet};
}

Tensor up2(const Tensor& x) { return ops::interpolate(x, {.scale_factor = {2.0}}); }

}  // namespace

CenterNetImpl::CenterNetImpl(const CenterNetOptions& options)
    : TrainingModule("CenterNet"),
      backbone(backbone_spec(checked(options).width),
               ResNetOptions{.num_classes = 1, .in_channels = options.in_channels}),
      options_(options) {
  register_module("backbone", backbone.ptr());
  const int64_t w = options.width, hc = options.head_channels;
  nn::Sequential lateral_list;
  for (int64_t c : {w, 2 * w, 4 * w}) {
    lateral.push_back(nn::Conv2d(c, hc, 1));
    lateral_list->push_back(lateral.back().ptr());
  }
  register_module("lateral", lateral_list.ptr());
  smooth =
      nn::Sequential(nn::Conv2d(hc, hc, 3, {.padding = 1, .bias = false}), nn::BatchNorm2d(hc), nn::ReLU());
  register_module("smooth", smooth.ptr());
  nn::Conv2d heat(hc, options.num_classes, 1);
  // The paper's prior: every cell starts at score 0.1 so the focal loss is not swamped by negatives.
  {
    NoGradGuard no_grad;
    heat->bias.fill_(-std::log((1 - 0.1) / 0.1));
  }
  heatmap_head = nn::Sequential(heat);
  size_head = nn::Sequential(nn::Conv2d(hc, 2, 1));
  offset_head = nn::Sequential(nn::Conv2d(hc, 2, 1));
  register_module("heatmap_head", heatmap_head.ptr());
  register_module("size_head", size_head.ptr());
  register_module("offset_head", offset_head.ptr());
}

std::vector<std::shared_ptr<optim::Optimizer>> CenterNetImpl::configure_optimizers() {
  return {make_optimizer("model", parameters(), [](const std::vector<Tensor>& params) {
    return std::make_shared<optim::Adam>(params, optim::AdamOptions{.lr = 1e-3});
  })};
}

CenterNetMaps CenterNetImpl::heads(const Tensor& x) {
  STRATA_CHECK(
      x.dim() == 4 && x.size(1) == options_.in_channels && x.size(2) % 16 == 0 && x.size(3) % 16 == 0,
      "CenterNet: input must be [N, {}, H, W] with H and W multiples of 16, got {}", options_.in_channels,
      x.shape().str());
  ResNetImpl& b = *backbone;
  Tensor h = b.maxpool->forward(ops::relu(b.bn1->forward(b.conv1->forward(x))));
  const Tensor c2 = b.layers[0]->forward(h);
  const Tensor c3 = b.layers[1]->forward(c2);
  const Tensor c4 = b.layers[2]->forward(c3);
  Tensor p = lateral[2]->forward(c4);
  p = up2(p) + lateral[1]->forward(c3);
  p = up2(p) + lateral[0]->forward(c2);
  const Tensor f = smooth->forward(p);
  return {heatmap_head->forward(f), size_head->forward(f), offset_head->forward(f)};
}

Tensor CenterNetImpl::forward(const Tensor& x) {
  const CenterNetMaps m = heads(x);
  return ops::cat({m.heatmap, m.size, m.offset}, 1);
}

CenterNetTargets CenterNetImpl::encode(const Tensor& boxes, int64_t h, int64_t w) const {
  STRATA_CHECK(boxes.dim() == 3 && boxes.size(2) == 5,
               "CenterNet: targets must be padded boxes [N, M, 5] (class, x1, y1, x2, y2), got {}",
               boxes.shape().str());
  const int64_t n = boxes.size(0), m = boxes.size(1), k = options_.num_classes;
  const Tensor bx = boxes.to(kCPU).to(kFloat32).contiguous();
  const float* b = bx.data_ptr<float>();
  CenterNetTargets t;
  t.heatmap = zeros({n, k, h, w});
  t.size = zeros({n, 2, h, w});
  t.offset = zeros({n, 2, h, w});
  t.mask = zeros({n, 1, h, w});
  float* heat = t.heatmap.data_ptr<float>();
  float* size = t.size.data_ptr<float>();
  float* offset = t.offset.data_ptr<float>();
  float* mask = t.mask.data_ptr<float>();
  const auto s = static_cast<float>(kStride);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j) {
      const float* r = b + (i * m + j) * 5;
      if (r[0] < 0) continue;
      const auto label = static_cast<int64_t>(r[0]);
      STRATA_CHECK(label < k && r[3] > r[1] && r[4] > r[2],
                   "CenterNet: target box {} of image {} has class {} (of {}) and corners ({}, {}, {}, {})",
                   j, i, label, k, r[1], r[2], r[3], r[4]);
      const float cx = (r[1] + r[3]) / 2 / s, cy = (r[2] + r[4]) / 2 / s;
      const float bw = (r[3] - r[1]) / s, bh = (r[4] - r[2]) / s;
      const int64_t ci = std::clamp<int64_t>(static_cast<int64_t>(cx), 0, w - 1);
      const int64_t cj = std::clamp<int64_t>(static_cast<int64_t>(cy), 0, h - 1);
      const float sx = std::max(0.5f, bw / 6), sy = std::max(0.5f, bh / 6);
      float* plane = heat + (i * k + label) * h * w;
      for (int64_t y = 0; y < h; ++y) {
        for (int64_t x = 0; x < w; ++x) {
          const auto dx = static_cast<float>(x - ci), dy = static_cast<float>(y - cj);
          const float v = std::exp(-(dx * dx / (2 * sx * sx) + dy * dy / (2 * sy * sy)));
          plane[y * w + x] = std::max(plane[y * w + x], v);
        }
      }
      const int64_t at = cj * w + ci;
      size[(i * 2) * h * w + at] = bw;
      size[(i * 2 + 1) * h * w + at] = bh;
      offset[(i * 2) * h * w + at] = cx - static_cast<float>(ci);
      offset[(i * 2 + 1) * h * w + at] = cy - static_cast<float>(cj);
      if (mask[i * h * w + at] == 0) ++t.objects;
      mask[i * h * w + at] = 1;
    }
  }
  return t;
}

CenterNetLoss CenterNetImpl::loss(const CenterNetMaps& maps, const CenterNetTargets& t) const {
  STRATA_CHECK(maps.heatmap.shape() == t.heatmap.shape(), "CenterNet: heat map {} and targets {} differ",
               maps.heatmap.shape().str(), t.heatmap.shape().str());
  const Device dev = maps.heatmap.device();
  const Tensor gt = t.heatmap.to(dev), mask = t.mask.to(dev);
  const Tensor pos = ops::eq(gt, 1.0).to(maps.heatmap.dtype());
  const Tensor& x = maps.heatmap;
  const Tensor p = ops::sigmoid(x);
  const Tensor log_p = -ops::softplus(-x), log_not_p = -ops::softplus(x);
  const double norm = static_cast<double>(std::max<int64_t>(1, t.objects));
  const Tensor pos_term = pos * ops::square(1.0 - p) * log_p;
  const Tensor neg_term = (1.0 - pos) * ops::pow(1.0 - gt, 4.0) * ops::square(p) * log_not_p;
  CenterNetLoss l;
  l.heatmap = -(ops::sum(pos_term) + ops::sum(neg_term)) / norm;
  l.size = ops::sum(ops::abs(maps.size - t.size.to(dev)) * mask) / norm;
  l.offset = ops::sum(ops::abs(maps.offset - t.offset.to(dev)) * mask) / norm;
  l.loss = l.heatmap + l.size * options_.size_weight + l.offset;
  return l;
}

std::vector<metrics::Detections> CenterNetImpl::decode(const CenterNetMaps& maps) const {
  NoGradGuard no_grad;
  const Tensor heat = ops::sigmoid(maps.heatmap.detach()).to(kCPU).to(kFloat32).contiguous();
  const Tensor peak = ops::max_pool2d(heat, 3, 1, 1).contiguous();
  const Tensor size = maps.size.detach().to(kCPU).to(kFloat32).contiguous();
  const Tensor offset = maps.offset.detach().to(kCPU).to(kFloat32).contiguous();
  const int64_t n = heat.size(0), k = heat.size(1), h = heat.size(2), w = heat.size(3);
  const float* hp = heat.data_ptr<float>();
  const float* pp = peak.data_ptr<float>();
  const float* sp = size.data_ptr<float>();
  const float* op = offset.data_ptr<float>();
  const auto s = static_cast<float>(kStride);
  std::vector<metrics::Detections> out;
  for (int64_t i = 0; i < n; ++i) {
    struct Peak {
      float score;
      int64_t c, y, x;
    };
    std::vector<Peak> peaks;
    for (int64_t c = 0; c < k; ++c) {
      for (int64_t at = 0; at < h * w; ++at) {
        const int64_t idx = (i * k + c) * h * w + at;
        if (hp[idx] >= options_.score_threshold && hp[idx] == pp[idx])
          peaks.push_back({hp[idx], c, at / w, at % w});
      }
    }
    std::stable_sort(peaks.begin(), peaks.end(),
                     [](const Peak& a, const Peak& b) { return a.score > b.score; });
    if (static_cast<int64_t>(peaks.size()) > options_.max_detections)
      peaks.resize(static_cast<size_t>(options_.max_detections));
    std::vector<float> boxes, scores;
    std::vector<int64_t> labels;
    for (const Peak& q : peaks) {
      const int64_t at = q.y * w + q.x;
      const float cx = (static_cast<float>(q.x) + op[(i * 2) * h * w + at]) * s;
      const float cy = (static_cast<float>(q.y) + op[(i * 2 + 1) * h * w + at]) * s;
      const float bw = std::max(0.0f, sp[(i * 2) * h * w + at]) * s;
      const float bh = std::max(0.0f, sp[(i * 2 + 1) * h * w + at]) * s;
      boxes.insert(boxes.end(), {cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2});
      scores.push_back(q.score);
      labels.push_back(q.c);
    }
    const auto count = static_cast<int64_t>(scores.size());
    metrics::Detections d{from_vector(boxes, {count, 4}), from_vector(scores), from_vector(labels)};
    const Tensor keep = metrics::batched_nms(d.boxes, d.scores, d.labels, options_.nms_iou);
    std::vector<float> kb, ks;
    std::vector<int64_t> kl;
    for (int64_t j : keep.to_vector<int64_t>()) {
      kb.insert(kb.end(), boxes.begin() + j * 4, boxes.begin() + j * 4 + 4);
      ks.push_back(scores[static_cast<size_t>(j)]);
      kl.push_back(labels[static_cast<size_t>(j)]);
    }
    const auto kept = static_cast<int64_t>(ks.size());
    out.push_back({from_vector(kb, {kept, 4}), from_vector(ks), from_vector(kl)});
  }
  return out;
}

std::vector<metrics::Detections> CenterNetImpl::detect(const Tensor& images) {
  const bool was_training = is_training();
  eval();
  NoGradGuard no_grad;
  auto d = decode(heads(images));
  train(was_training);
  return d;
}

void CenterNetImpl::training_step(const data::Batch& batch, train::StepContext& ctx) {
  optim::Optimizer& opt = ctx.optimizer(0);
  opt.zero_grad();
  const CenterNetMaps maps = heads(batch.input);
  const CenterNetLoss l = loss(maps, encode(batch.target, maps.heatmap.size(2), maps.heatmap.size(3)));
  l.loss.backward();
  opt.step();
  ctx.log("loss", l.loss.item<double>());
  ctx.log("heatmap_loss", l.heatmap.item<double>());
  ctx.log("size_loss", l.size.item<double>());
  ctx.log("offset_loss", l.offset.item<double>());
}

void CenterNetImpl::validation_step(const data::Batch& batch, train::StepContext& ctx) {
  const CenterNetMaps maps = heads(batch.input);
  const CenterNetLoss l = loss(maps, encode(batch.target, maps.heatmap.size(2), maps.heatmap.size(3)));
  ctx.log("loss", l.loss.item<double>());
  ctx.log("heatmap_loss", l.heatmap.item<double>());
  ctx.log("size_loss", l.size.item<double>());
  ctx.log("offset_loss", l.offset.item<double>());
  metrics::MeanAveragePrecision map({0.5});
  const std::vector<metrics::Detections> dets = decode(maps);
  for (int64_t i = 0; i < batch.size(); ++i) {
    const auto [boxes, labels] = data::vision::boxes_from_target(batch.target.select(0, i));
    map.update(dets[static_cast<size_t>(i)], {boxes, labels});
  }
  const double v = map.map_at(0.5);
  ctx.log("map50", std::isnan(v) ? 0.0 : v);
}

}  // namespace strata::models
