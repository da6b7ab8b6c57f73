#pragma once
// Loss modules: forward(input, target), PyTorch names, options and defaults.
#include "strata/nn/module.h"
#include "strata/ops/loss.h"

namespace strata::nn {

using ops::Reduction;

// Base of all losses: a module whose forward takes (input, target).
class LossImpl : public Module {
 public:
  LossImpl(const char* type_name, Reduction reduction) : Module(type_name), reduction(reduction) {}
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor forward(const Tensor& input) override;  // throws: a loss needs a target
  std::string extra_repr() const override;
  Reduction reduction;
};

// A loss handle usable wherever a loss function is expected: loss(input, target).
template <typename Impl>
class LossHolder : public ModuleHolder<Impl> {
 public:
  LossHolder(std::shared_ptr<Impl> impl) : ModuleHolder<Impl>(std::move(impl)) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const { return this->impl_->forward(input, target); }
  operator std::shared_ptr<LossImpl>() const { return this->impl_; }
};

class MSELossImpl : public LossImpl {
 public:
  explicit MSELossImpl(Reduction reduction = Reduction::Mean) : LossImpl("MSELoss", reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
};
class L1LossImpl : public LossImpl {
 public:
  explicit L1LossImpl(Reduction reduction = Reduction::Mean) : LossImpl("L1Loss", reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
};
class SmoothL1LossImpl : public LossImpl {
 public:
  explicit SmoothL1LossImpl(Reduction reduction = Reduction::Mean, double beta = 1.0)
      : LossImpl("SmoothL1Loss", reduction), beta(beta) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  double beta;
};
class HuberLossImpl : public LossImpl {
 public:
  explicit HuberLossImpl(Reduction reduction = Reduction::Mean, double delta = 1.0)
      : LossImpl("HuberLoss", reduction), delta(delta) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  double delta;
};
class CrossEntropyLossImpl : public LossImpl {
 public:
  explicit CrossEntropyLossImpl(ops::CrossEntropyOptions options = {})
      : LossImpl("CrossEntropyLoss", options.reduction), options(options) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  ops::CrossEntropyOptions options;
};
class NLLLossImpl : public LossImpl {
 public:
  explicit NLLLossImpl(ops::NLLOptions options = {}) : LossImpl("NLLLoss", options.reduction), options(options) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  ops::NLLOptions options;
};
class BCELossImpl : public LossImpl {
 public:
  explicit BCELossImpl(Tensor weight = {}, Reduction reduction = Reduction::Mean)
      : LossImpl("BCELoss", reduction), weight(std::move(weight)) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight;
};
class BCEWithLogitsLossImpl : public LossImpl {
 public:
  explicit BCEWithLogitsLossImpl(Tensor weight = {}, Tensor pos_weight = {}, Reduction reduction = Reduction::Mean)
      : LossImpl("BCEWithLogitsLoss", reduction), weight(std::move(weight)), pos_weight(std::move(pos_weight)) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight, pos_weight;
};
class KLDivLossImpl : public LossImpl {
 public:
  explicit KLDivLossImpl(Reduction reduction = Reduction::Mean, bool log_target = false)
      : LossImpl("KLDivLoss", reduction), log_target(log_target) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  bool log_target;
};

// Holders, with the Impl constructors spelled out so braced options work: CrossEntropyLoss({.label_smoothing = 0.1}).
class MSELoss : public LossHolder<MSELossImpl> {
 public:
  using LossHolder::LossHolder;
  explicit MSELoss(Reduction reduction = Reduction::Mean) : LossHolder(std::make_shared<MSELossImpl>(reduction)) {}
};
class L1Loss : public LossHolder<L1LossImpl> {
 public:
  using LossHolder::LossHolder;
  explicit L1Loss(Reduction reduction = Reduction::Mean) : LossHolder(std::make_shared<L1LossImpl>(reduction)) {}
};
class SmoothL1Loss : public LossHolder<SmoothL1LossImpl> {
 public:
  using LossHolder::LossHolder;
  explicit SmoothL1Loss(Reduction reduction = Reduction::Mean, double beta = 1.0)
      : LossHolder(std::make_shared<SmoothL1LossImpl>(reduction, beta)) {}
};
class HuberLoss : public LossHolder<HuberLossImpl> {
 public:
  using LossHolder::LossHolder;
  explicit HuberLoss(Reduction reduction = Reduction::Mean, double delta = 1.0)
      : LossHolder(std::make_shared<HuberLossImpl>(reduction, delta)) {}
};
class CrossEntropyLoss : public LossHolder<CrossEntropyLossImpl> {
 public:
  using LossHolder::LossHolder;
  explicit CrossEntropyLoss(ops::CrossEntropyOptions options = {})
      : LossHolder(std::make_shared<CrossEntropyLossImpl>(options)) {}
};
class NLLLoss : public LossHolder<NLLLossImpl> {
 public:
  using LossHolder::LossHolder;
  explicit NLLLoss(ops::NLLOptions options = {}) : LossHolder(std::make_shared<NLLLossImpl>(options)) {}
};
class BCELoss : public LossHolder<BCELossImpl> {
 public:
  using LossHolder::LossHolder;
  explicit BCELoss(Tensor weight = {}, Reduction reduction = Reduction::Mean)
      : LossHolder(std::make_shared<BCELossImpl>(std::move(weight), reduction)) {}
};
class BCEWithLogitsLoss : public LossHolder<BCEWithLogitsLossImpl> {
 public:
  using LossHolder::LossHolder;
  explicit BCEWithLogitsLoss(Tensor weight = {}, Tensor pos_weight = {}, Reduction reduction = Reduction::Mean)
      : LossHolder(std::make_shared<BCEWithLogitsLossImpl>(std::move(weight), std::move(pos_weight), reduction)) {}
};
class KLDivLoss : public LossHolder<KLDivLossImpl> {
 public:
  using LossHolder::LossHolder;
  explicit KLDivLoss(Reduction reduction = Reduction::Mean, bool log_target = false)
      : LossHolder(std::make_shared<KLDivLossImpl>(reduction, log_target)) {}
};

}  // namespace strata::nn
