// Detection metrics. Detections are matched per image at update() for every IoU threshold at once (the
// matching depends only on the image), so compute time is a sort per class; AP follows pycocotools'
// accumulate(): cumulative TP/FP in score order, precision made non-increasing from the right, sampled at
// recall 0, 0.01, ..., 1 (the first detection reaching each recall point; 0 past the last).
#include "strata/metrics/detection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::metrics {
namespace {

std::vector<double> read_boxes(const Tensor& boxes, const char* op, const char* name) {
  STRATA_CHECK(boxes.defined() && boxes.dim() == 2 && boxes.size(1) == 4, "{}: {} must be [N, 4], got {}", op,
               name, boxes.defined() ? boxes.shape().str() : std::string("none"));
  const Tensor t = boxes.to(kCPU).to(kFloat64).contiguous();
  const double* p = t.data_ptr<double>();
  return {p, p + t.numel()};
}

std::vector<double> read_vector(const Tensor& v, int64_t n, const char* op, const char* name) {
  STRATA_CHECK(v.defined() && v.dim() == 1 && v.size(0) == n, "{}: {} must be [{}], got {}", op, name, n,
               v.defined() ? v.shape().str() : std::string("none"));
  const Tensor t = v.to(kCPU).to(kFloat64).contiguous();
  const double* p = t.data_ptr<double>();
  return {p, p + n};
}

double iou(const double* a, const double* b) {
  const double iw = std::max(0.0, std::min(a[2], b[2]) - std::max(a[0], b[0]));
  const double ih = std::max(0.0, std::min(a[3], b[3]) - std::max(a[1], b[1]));
  const double inter = iw * ih;
  const double uni = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return uni > 0 ? inter / uni : 0.0;
}

// Indices by decreasing score, equal scores by increasing index.
std::vector<int64_t> score_order(const std::vector<double>& scores) {
  std::vector<int64_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return scores[static_cast<size_t>(a)] > scores[static_cast<size_t>(b)];
  });
  return order;
}

std::vector<int64_t> greedy_nms(const std::vector<double>& boxes, const std::vector<double>& scores,
                                const std::vector<int64_t>& groups, double threshold) {
  std::vector<int64_t> keep;
  std::vector<char> removed(scores.size(), 0);
  const std::vector<int64_t> order = score_order(scores);
  for (size_t oi = 0; oi < order.size(); ++oi) {
    const int64_t i = order[oi];
    if (removed[static_cast<size_t>(i)]) continue;
    keep.push_back(i);
    for (size_t oj = oi + 1; oj < order.size(); ++oj) {
      const int64_t j = order[oj];
      if (removed[static_cast<size_t>(j)] || groups[static_cast<size_t>(i)] != groups[static_cast<size_t>(j)])
        continue;
      if (iou(&boxes[static_cast<size_t>(i * 4)], &boxes[static_cast<size_t>(j * 4)]) > threshold)
        removed[static_cast<size_t>(j)] = 1;
    }
  }
  return keep;
}

}  // namespace

Tensor box_iou(const Tensor& boxes1, const Tensor& boxes2) {
  const std::vector<double> a = read_boxes(boxes1, "box_iou", "boxes1");
  const std::vector<double> b = read_boxes(boxes2, "box_iou", "boxes2");
  const int64_t n = boxes1.size(0), m = boxes2.size(0);
  Tensor out = empty({n, m});
  float* o = out.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j)
      o[i * m + j] = static_cast<float>(iou(&a[static_cast<size_t>(i * 4)], &b[static_cast<size_t>(j * 4)]));
  }
  return out;
}

Tensor nms(const Tensor& boxes, const Tensor& scores, double iou_threshold) {
  const std::vector<double> b = read_boxes(boxes, "nms", "boxes");
  const std::vector<double> s = read_vector(scores, boxes.size(0), "nms", "scores");
  return from_vector(greedy_nms(b, s, std::vector<int64_t>(s.size(), 0), iou_threshold));
}

Tensor batched_nms(const Tensor& boxes, const Tensor& scores, const Tensor& idxs, double iou_threshold) {
  const std::vector<double> b = read_boxes(boxes, "batched_nms", "boxes");
  const std::vector<double> s = read_vector(scores, boxes.size(0), "batched_nms", "scores");
  const std::vector<double> g = read_vector(idxs, boxes.size(0), "batched_nms", "idxs");
  std::vector<int64_t> groups(g.size());
  for (size_t i = 0; i < g.size(); ++i) groups[i] = static_cast<int64_t>(g[i]);
  return from_vector(greedy_nms(b, s, groups, iou_threshold));
}

MeanAveragePrecision::MeanAveragePrecision(std::vector<double> iou_thresholds)
    : thresholds_(std::move(iou_thresholds)) {
  if (thresholds_.empty()) {
    for (int i = 0; i < 10; ++i) thresholds_.push_back(0.5 + 0.05 * i);
  }
  for (double t : thresholds_)
    STRATA_CHECK(t >= 0 && t <= 1, "MeanAveragePrecision: IoU thresholds must be in [0, 1], got {}", t);
}

void MeanAveragePrecision::reset() {
  by_class_.clear();
  truth_count_.clear();
  images_ = 0;
  order_ = 0;
}

void MeanAveragePrecision::update(const Detections& detections, const GroundTruth& truth) {
  const char* op = "MeanAveragePrecision.update";
  const std::vector<double> db = read_boxes(detections.boxes, op, "detections.boxes");
  const int64_t k = detections.boxes.size(0);
  const std::vector<double> ds = read_vector(detections.scores, k, op, "detections.scores");
  const std::vector<double> dl = read_vector(detections.labels, k, op, "detections.labels");
  const std::vector<double> gb = read_boxes(truth.boxes, op, "truth.boxes");
  const int64_t g = truth.boxes.size(0);
  const std::vector<double> gl = read_vector(truth.labels, g, op, "truth.labels");
  auto label_of = [&](double v, const char* field) {
    STRATA_CHECK(v >= 0 && v == std::floor(v), "{}: {} must hold class indices >= 0, got {}", op, field, v);
    const auto l = static_cast<int64_t>(v);
    if (l >= static_cast<int64_t>(by_class_.size())) {
      by_class_.resize(static_cast<size_t>(l + 1));
      truth_count_.resize(static_cast<size_t>(l + 1), 0);
    }
    return l;
  };
  for (double v : gl) ++truth_count_[static_cast<size_t>(label_of(v, "truth.labels"))];
  const size_t nt = thresholds_.size();
  // matched[t][j]: ground-truth box j taken at threshold t.
  std::vector<std::vector<char>> taken(nt, std::vector<char>(static_cast<size_t>(g), 0));
  for (int64_t i : score_order(ds)) {
    const int64_t label = label_of(dl[static_cast<size_t>(i)], "detections.labels");
    Scored s{ds[static_cast<size_t>(i)], images_, order_++, std::vector<char>(nt, 0)};
    for (size_t t = 0; t < nt; ++t) {
      double best = thresholds_[t];
      int64_t match = -1;
      for (int64_t j = 0; j < g; ++j) {
        if (taken[t][static_cast<size_t>(j)] || static_cast<int64_t>(gl[static_cast<size_t>(j)]) != label)
          continue;
        const double v = iou(&db[static_cast<size_t>(i * 4)], &gb[static_cast<size_t>(j * 4)]);
        if (v >= best && (match < 0 || v > best)) {
          best = v;
          match = j;
        }
      }
      if (match >= 0) {
        taken[t][static_cast<size_t>(match)] = 1;
        s.matched[t] = 1;
      }
    }
    by_class_[static_cast<size_t>(label)].push_back(std::move(s));
  }
  ++images_;
}

double MeanAveragePrecision::average_precision(int64_t label, double iou_threshold) const {
  size_t t = thresholds_.size();
  for (size_t i = 0; i < thresholds_.size(); ++i) {
    if (std::abs(thresholds_[i] - iou_threshold) < 1e-9) t = i;
  }
  STRATA_CHECK(t < thresholds_.size(), "MeanAveragePrecision: IoU threshold {} is not one of the thresholds",
               iou_threshold);
  STRATA_CHECK(images_ > 0, "MeanAveragePrecision: no images given (call update() first)");
  if (label < 0 || label >= static_cast<int64_t>(truth_count_.size()) ||
      truth_count_[static_cast<size_t>(label)] == 0)
    return std::numeric_limits<double>::quiet_NaN();
  std::vector<const Scored*> dets;
  for (const Scored& s : by_class_[static_cast<size_t>(label)]) dets.push_back(&s);
  // Decreasing score; ties keep the order detections were seen in (image order, then score order).
  std::stable_sort(dets.begin(), dets.end(), [](const Scored* a, const Scored* b) {
    return a->score > b->score || (a->score == b->score && a->order < b->order);
  });
  const auto total = static_cast<double>(truth_count_[static_cast<size_t>(label)]);
  std::vector<double> precision(dets.size()), recall(dets.size());
  double tp = 0, fp = 0;
  for (size_t i = 0; i < dets.size(); ++i) {
    (dets[i]->matched[t] ? tp : fp) += 1;
    precision[i] = tp / (tp + fp);
    recall[i] = tp / total;
  }
  for (size_t i = precision.size(); i-- > 1;) precision[i - 1] = std::max(precision[i - 1], precision[i]);
  double sum = 0;
  for (int r = 0; r <= 100; ++r) {
    const double point = r / 100.0;
    const auto it = std::lower_bound(recall.begin(), recall.end(), point - 1e-12);
    if (it != recall.end()) sum += precision[static_cast<size_t>(it - recall.begin())];
  }
  return sum / 101.0;
}

double MeanAveragePrecision::map_at(double iou_threshold) const {
  double sum = 0;
  int64_t classes = 0;
  for (int64_t c = 0; c < static_cast<int64_t>(truth_count_.size()); ++c) {
    const double ap = average_precision(c, iou_threshold);
    if (std::isnan(ap)) continue;
    sum += ap;
    ++classes;
  }
  STRATA_CHECK(images_ > 0, "MeanAveragePrecision: no images given (call update() first)");
  return classes > 0 ? sum / static_cast<double>(classes) : std::numeric_limits<double>::quiet_NaN();
}

double MeanAveragePrecision::map() const {
  double sum = 0;
  for (double t : thresholds_) sum += map_at(t);
  return sum / static_cast<double>(thresholds_.size());
}

}  // namespace strata::metrics
