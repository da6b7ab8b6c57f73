#include "strata/train/distillation.h"

#include <cstring>
#include <functional>
#include <string_view>

#include "strata/autograd/grad_mode.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/ops/indexing.h"
#include "strata/ops/loss.h"

namespace strata::train {

namespace {

uint64_t fnv1a(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (const char c : bytes) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

Distiller::Distiller(std::shared_ptr<nn::Module> teacher, nn::DistillationLossOptions options,
                     bool cache_teacher_logits)
    : teacher_(std::move(teacher)), options_(options), cache_(cache_teacher_logits) {
  STRATA_CHECK(teacher_ != nullptr, "Distiller: no teacher model given");
  STRATA_CHECK(options_.temperature > 0.0, "Distiller: temperature must be positive, got {}",
               options_.temperature);
  STRATA_CHECK(options_.alpha >= 0.0 && options_.alpha <= 1.0, "Distiller: alpha must be in [0, 1], got {}",
               options_.alpha);
}

void Distiller::on_train_begin(Trainer& trainer) {
  STRATA_CHECK(&trainer.model() != teacher_.get(), "Distiller: the teacher is the model being trained");
  teacher_->eval();
}

void Distiller::on_batch_begin(Trainer&, const data::Batch& batch) {
  NoGradGuard no_grad;
  teacher_->eval();  // stays in eval even if something set the whole tree to train
  if (cache_) {
    teacher_logits_ = cached_logits(batch.input);
    return;
  }
  teacher_logits_ = (*teacher_)(batch.input).detach();
  teacher_examples_ += batch.input.size(0);
}

Tensor Distiller::cached_logits(const Tensor& input) {
  STRATA_CHECK(input.dim() >= 1 && input.size(0) > 0, "Distiller: a training batch needs examples, got {}",
               input.shape().str());
  const Tensor x = input.contiguous();
  const int64_t n = x.size(0);
  const size_t row_bytes = static_cast<size_t>(x.numel() / n) * x.element_size();
  const char* bytes = static_cast<const char*>(x.raw_data());
  std::vector<int64_t> rows(static_cast<size_t>(n), -1), missing;
  std::vector<uint64_t> hash(static_cast<size_t>(n));
  std::vector<size_t> check(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const std::string_view example(bytes + static_cast<size_t>(i) * row_bytes, row_bytes);
    hash[static_cast<size_t>(i)] = fnv1a(example);
    check[static_cast<size_t>(i)] = std::hash<std::string_view>{}(example);
    const auto it = rows_.find(hash[static_cast<size_t>(i)]);
    if (it != rows_.end()) {
      STRATA_CHECK(check_[static_cast<size_t>(it->second)] == check[static_cast<size_t>(i)],
                   "Distiller: two different training inputs share a 64-bit hash; train without "
                   "cache_teacher_logits");
      rows[static_cast<size_t>(i)] = it->second;
    } else {
      missing.push_back(i);
    }
  }
  if (!missing.empty()) {
    const Tensor fresh =
        (*teacher_)(ops::index_select(x, 0, from_vector(missing))).detach().to(kFloat32).contiguous();
    const std::vector<int64_t> dims(fresh.shape().begin() + 1, fresh.shape().end());
    if (classes_ == 0) {
      classes_ = fresh.numel() / fresh.size(0);
      logit_dims_ = dims;
    }
    STRATA_CHECK(dims == logit_dims_, "Distiller: the teacher gave logits {} per example, earlier {}",
                 Shape(dims).str(), Shape(logit_dims_).str());
    teacher_examples_ += static_cast<int64_t>(missing.size());
    const std::vector<float> values = fresh.to_vector<float>();
    for (size_t k = 0; k < missing.size(); ++k) {
      const auto i = static_cast<size_t>(missing[k]);
      // An input that occurs twice in this batch is stored once.
      const auto [it, inserted] = rows_.emplace(hash[i], static_cast<int64_t>(check_.size()));
      if (inserted) {
        check_.push_back(check[i]);
        logits_.insert(logits_.end(), values.begin() + static_cast<std::ptrdiff_t>(k * classes_),
                       values.begin() + static_cast<std::ptrdiff_t>((k + 1) * classes_));
      }
      rows[i] = it->second;
    }
  }
  std::vector<float> out(static_cast<size_t>(n * classes_));
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(out.data() + i * classes_, logits_.data() + rows[static_cast<size_t>(i)] * classes_,
                static_cast<size_t>(classes_) * sizeof(float));
  }
  std::vector<int64_t> shape{n};
  shape.insert(shape.end(), logit_dims_.begin(), logit_dims_.end());
  return from_vector(out, Shape(shape));
}

void Distiller::on_batch_end(Trainer&, int64_t, const Logs&) { teacher_logits_ = Tensor(); }

void Distiller::on_train_end(Trainer&) { teacher_logits_ = Tensor(); }

LossFn Distiller::loss() {
  std::shared_ptr<Distiller> self = shared_from_this();
  return [self](const Tensor& output, const Tensor& target) {
    if (!self->teacher_logits_.defined()) return ops::cross_entropy(output, target);
    STRATA_CHECK(self->teacher_logits_.shape() == output.shape(),
                 "Distiller: the teacher gives logits {} and the student {} for the same batch",
                 self->teacher_logits_.shape().str(), output.shape().str());
    return nn::distillation_loss(output, self->teacher_logits_, target, self->options_);
  };
}

}  // namespace strata::train
