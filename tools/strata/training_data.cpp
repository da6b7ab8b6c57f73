#include "training_data.h"

#include <map>

#include "strata/core/factory.h"
#include "strata/ops/indexing.h"
#include "translation.h"

namespace strata::cli {
namespace {

// The class label of every example of a split, in order. Throws, naming `where` and `field`, when the
// targets are not one class index per example.
std::vector<int64_t> labels_of(const data::Dataset& ds, const std::string& where, const std::string& field) {
  auto check = [&](const Tensor& target) {
    STRATA_CHECK(target.defined() && target.dtype() == kInt64 && target.numel() == 1,
                 "{}: {} applies to classification data (one class index per example); this data's targets "
                 "are {} of shape {}",
                 where, field, target.defined() ? dtype_name(target.dtype()) : "undefined",
                 target.defined() ? target.shape().str() : "[]");
  };
  if (const auto* tensors = dynamic_cast<const data::TensorDataset*>(&ds)) {
    const Tensor& targets = tensors->targets();
    if (targets.defined() && targets.dim() == 1 && targets.dtype() == kInt64)
      return targets.contiguous().to_vector<int64_t>();
    check(targets.defined() && targets.dim() > 0 ? targets.select(0, 0) : targets);
  }
  std::vector<int64_t> labels;
  labels.reserve(static_cast<size_t>(ds.size()));
  for (int64_t i = 0; i < ds.size(); ++i) {
    const Tensor target = ds.get(i).target;
    check(target);
    labels.push_back(target.contiguous().data_ptr<int64_t>()[0]);
  }
  return labels;
}

// The examples of `base` at `indices` with new labels. Over an in-memory TensorDataset the rows are
// gathered into a new one (the DataLoader's fast path); any other source is read through.
class Relabelled : public data::Dataset {
 public:
  Relabelled(std::shared_ptr<const data::Dataset> base, std::vector<int64_t> indices,
             std::vector<int64_t> labels)
      : base_(std::move(base)), indices_(std::move(indices)), labels_(std::move(labels)) {}
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  data::Example get(int64_t index) const override {
    STRATA_CHECK(index >= 0 && index < size(), "data subset: index {} is out of range for {} examples", index,
                 size());
    data::Example e = base_->get(indices_[static_cast<size_t>(index)]);
    e.target =
        full(e.target.shape(), static_cast<double>(labels_[static_cast<size_t>(index)]), {.dtype = kInt64});
    return e;
  }
  void set_epoch(int64_t epoch) const override { base_->set_epoch(epoch); }

 private:
  std::shared_ptr<const data::Dataset> base_;
  std::vector<int64_t> indices_, labels_;
};

std::shared_ptr<const data::Dataset> relabel(const std::shared_ptr<const data::Dataset>& base,
                                             std::vector<int64_t> indices, std::vector<int64_t> labels) {
  if (const auto* tensors = dynamic_cast<const data::TensorDataset*>(base.get())) {
    const Tensor index = from_vector(indices, {static_cast<int64_t>(indices.size())});
    return std::make_shared<data::TensorDataset>(ops::index_select(tensors->inputs(), 0, index).contiguous(),
                                                 from_vector(labels, {static_cast<int64_t>(labels.size())}));
  }
  return std::make_shared<Relabelled>(base, std::move(indices), std::move(labels));
}

// data.classes: keeps the listed labels, renumbered 0..k-1 in the listed order.
std::shared_ptr<const data::Dataset> keep_classes(const std::shared_ptr<const data::Dataset>& ds,
                                                  const Config& c) {
  std::map<int64_t, int64_t> remap;
  for (size_t i = 0; i < c.data.classes.size(); ++i) remap[c.data.classes[i]] = static_cast<int64_t>(i);
  std::vector<int64_t> indices, labels;
  const std::vector<int64_t> all = labels_of(*ds, c.data.classes_where, "data.classes");
  for (size_t i = 0; i < all.size(); ++i) {
    auto it = remap.find(all[i]);
    if (it == remap.end()) continue;
    indices.push_back(static_cast<int64_t>(i));
    labels.push_back(it->second);
  }
  return relabel(ds, std::move(indices), std::move(labels));
}

// data.per_class: the first N examples of each class, in the split's order.
std::shared_ptr<const data::Dataset> first_per_class(const std::shared_ptr<const data::Dataset>& ds,
                                                     const Config& c) {
  std::map<int64_t, int64_t> count;
  std::vector<int64_t> indices, labels;
  const std::vector<int64_t> all = labels_of(*ds, c.data.per_class_where, "data.per_class");
  for (size_t i = 0; i < all.size(); ++i) {
    if (count[all[i]]++ >= c.data.per_class) continue;
    indices.push_back(static_cast<int64_t>(i));
    labels.push_back(all[i]);
  }
  return relabel(ds, std::move(indices), std::move(labels));
}

// The names of the kept classes, in data.classes' order (none when the source names no classes).
std::vector<std::string> kept_names(const Config& c, const TrainingData& d) {
  const int64_t known = static_cast<int64_t>(d.classes.size());
  std::vector<std::string> names;
  for (int64_t label : c.data.classes) {
    STRATA_CHECK(known == 0 || label < known,
                 "{}: data.classes: label {} is not a class of {} (labels 0..{})", c.data.classes_where,
                 label, d.description, known - 1);
    if (known > 0) names.push_back(d.classes[static_cast<size_t>(label)]);
  }
  return names;
}

// Applies data.classes to every split and data.per_class to the training split.
void take_subset(const Config& c, TrainingData& d) {
  if (!c.data.classes.empty()) {
    d.classes = kept_names(c, d);
    if (d.load_preprocessing) {
      // A test split rebuilt from a run folder's preprocessing is filtered the same way.
      d.load_preprocessing = [inner = d.load_preprocessing, c](const std::string& dir, TrainingData& data) {
        const std::vector<std::string> before = data.classes;
        if (!inner(dir, data)) return false;
        if (data.classes != before) data.classes = kept_names(c, data);  // the source named them afresh
        if (data.test) data.test = keep_classes(data.test, c);
        return true;
      };
    }
    if (d.train) d.train = keep_classes(d.train, c);
    if (d.val) d.val = keep_classes(d.val, c);
    if (d.test) d.test = keep_classes(d.test, c);
    if (d.train) {
      const std::vector<int64_t> labels = labels_of(*d.train, c.data.classes_where, "data.classes");
      std::vector<int64_t> seen(c.data.classes.size(), 0);
      for (int64_t l : labels) ++seen[static_cast<size_t>(l)];
      for (size_t i = 0; i < seen.size(); ++i) {
        STRATA_CHECK(seen[i] > 0, "{}: data.classes: label {} has no training example in {}",
                     c.data.classes_where, c.data.classes[i], d.description);
      }
    }
  }
  if (c.data.per_class > 0 && d.train) d.train = first_per_class(d.train, c);
}

}  // namespace

TrainingData load_training_data(const Config& c, bool with_train) {
  TrainingData d;
  if (c.data.dataset == "text-lm" || c.data.dataset == "text-folder") {
    d = load_text_data(c, with_train);
  } else if (c.data.dataset == "translation") {
    d = load_translation_data(c, with_train);
  } else if (c.data.dataset == "table") {
    d = load_table_data(c, with_train);
  } else if (c.data.dataset == "spoken-digits" || c.data.dataset == "spoken-digits-real") {
    d = load_audio_data(c, with_train);
  } else if (is_canvas_dataset(c.data.dataset)) {
    d = load_canvas_data(c, with_train);
  } else {
    d = load_image_data(c, with_train);
  }
  take_subset(c, d);
  // A source that does not hold out its own validation split gets a seeded random one.
  if (d.train && !d.val && c.data.val_fraction > 0) {
    auto parts = data::random_split(
        d.train, std::vector<double>{1 - c.data.val_fraction, c.data.val_fraction}, c.training.seed);
    STRATA_CHECK(parts[0]->size() > 0 && parts[1]->size() > 0,
                 "data.val_fraction {} leaves an empty training or validation set ({} examples)",
                 c.data.val_fraction, d.train->size());
    d.train = parts[0];
    d.val = parts[1];
  }
  return d;
}

}  // namespace strata::cli
