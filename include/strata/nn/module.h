#pragma once
// Module: the base of every layer. It owns named parameters, buffers and child modules and nothing else;
// layers are plain classes (XxxImpl) reached through a ModuleHolder handle (Xxx), as in libtorch.
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "strata/core/tensor.h"
#include "strata/nn/hooks.h"

namespace strata::nn {

// Name -> tensor, sorted by name; what checkpoints store.
using StateDict = std::map<std::string, Tensor>;

// An entry whose shape differs between a state dict and the model it is loaded into.
struct ShapeMismatch {
  std::string name;
  Shape checkpoint, model;  // the shape in the state dict (checkpoint) and in the model
};

// What load_state_dict did: the entries it copied and the ones it could not.
struct LoadReport {
  std::vector<std::string> loaded;      // copied into the model
  std::vector<std::string> missing;     // in the model, not in the state (left as they were)
  std::vector<std::string> unexpected;  // in the state, not in the model (ignored)
  std::vector<ShapeMismatch> mismatched;  // in both with different shapes (left as they were)
  // True when every entry of both sides was copied.
  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  // "missing: a, b; unexpected: c; mis-shaped: d (checkpoint [2, 3], model [3, 3])", or "" when ok().
  std::string str() const;
};

class Module {
 public:
  explicit Module(std::string type_name = "Module") : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The layer's type as users know it ("Linear", "Conv2d", ...).
  const std::string& type_name() const { return type_name_; }

  // Single-input forward; modules with other signatures define their own and leave this one throwing.
  virtual Tensor forward(const Tensor& input);
  // forward() with this module's hooks around it, seen by the thread's ForwardObserver when one is
  // installed (nn::summary lists layers so).
  Tensor operator()(const Tensor& input);

  // ---- hooks (nn/hooks.h) --------------------------------------------------------------------------
  // Registers `fn(module, inputs, output)` to run after every forward made through operator() (and a
  // container's or graph's call); returning a Tensor (or a non-empty optional) replaces the output, void or
  // std::nullopt keeps it. Hooks run in registration order, each seeing the previous one's output.
  template <typename F>
  HookHandle register_forward_hook(F fn) {
    return add_hook(
        forward_hooks_, ForwardHook([fn = std::move(fn)](Module& m, const std::vector<Tensor>& in,
                                                         const Tensor& out) mutable {
          if constexpr (std::is_void_v<
                            std::invoke_result_t<F&, Module&, const std::vector<Tensor>&, const Tensor&>>) {
            fn(m, in, out);
            return std::optional<Tensor>();
          } else {
            return std::optional<Tensor>(fn(m, in, out));
          }
        }));
  }
  // Registers `fn(module, inputs)` to run before every forward; returning a Tensor replaces a single
  // input, a vector (or a non-empty optional of one) replaces the inputs, void or std::nullopt keeps them.
  template <typename F>
  HookHandle register_forward_pre_hook(F fn) {
    return add_hook(forward_pre_hooks_,
                    ForwardPreHook([fn = std::move(fn)](Module& m, const std::vector<Tensor>& in) mutable {
                      using R = std::invoke_result_t<F&, Module&, const std::vector<Tensor>&>;
                      if constexpr (std::is_void_v<R>) {
                        fn(m, in);
                        return std::optional<std::vector<Tensor>>();
                      } else if constexpr (std::is_convertible_v<R, Tensor>) {
                        return std::optional<std::vector<Tensor>>(std::vector<Tensor>{fn(m, in)});
                      } else {
                        return std::optional<std::vector<Tensor>>(fn(m, in));
                      }
                    }));
  }
  // True when a forward hook or pre-hook is registered on this module.
  bool has_hooks() const {
    return (forward_hooks_ && !forward_hooks_->empty()) ||
           (forward_pre_hooks_ && !forward_pre_hooks_->empty());
  }
  // Runs `forward` on `inputs` with this module's pre-hooks before and forward hooks after, and reports the
  // call to the thread's ForwardObserver: how modules with several inputs (merges, attention) are called.
  Tensor call_hooked(std::vector<Tensor> inputs,
                     const std::function<Tensor(const std::vector<Tensor>&)>& forward);

  // ---- registration (called from constructors) -------------------------------------------------
  // Registers a parameter (a leaf that requires grad unless requires_grad is false) and returns it.
  Tensor register_parameter(const std::string& name, Tensor value, bool requires_grad = true);
  // Registers a buffer: state saved in state_dict but not trained (e.g. running statistics).
  Tensor register_buffer(const std::string& name, Tensor value);
  // Registers a child module under `name`.
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

  // ---- traversal ---------------------------------------------------------------------------------
  std::vector<Tensor> parameters(bool recurse = true) const;
  // Parameters with dotted names ("features.0.weight"), in registration order.
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  // This module and all descendants, depth first, with dotted names ("" for this one).
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules();

  // Parameters and buffers by dotted name.
  StateDict state_dict() const;
  // Copies values into this module's tensors and reports what it copied and what it could not. strict:
  // any missing, unexpected or mis-shaped entry raises one error listing all of them (nothing is copied);
  // non-strict: copies what matches and reports the rest. See nn/state_dict.h to skip or rename entries.
  LoadReport load_state_dict(const StateDict& state, bool strict = true);

  // ---- transfer learning ------------------------------------------------------------------------
  // Patterns are globs on dotted parameter names (strata/core/glob.h): '*' any run of characters, dots
  // included, '?' one character; e.g. "*" (all), "features.*", "layer1.*", "*.bn*.weight", "fc.bia?".
  // Freezes the parameters matching `pattern`: requires_grad becomes false and their gradients are
  // dropped, so backward computes none for them and optimisers skip them. Returns how many matched;
  // throws when none does (a typo must not silently freeze nothing).
  int64_t freeze(const std::string& pattern = "*");
  // Makes the parameters matching `pattern` trainable again; returns how many matched, throws when none.
  int64_t unfreeze(const std::string& pattern = "*");
  // The dotted names of the parameters matching `pattern` (empty when none does).
  std::vector<std::string> parameter_names(const std::string& pattern = "*") const;
  // Swaps the module at dotted path `name` ("fc", "classifier.1", "layer4.1.conv2") for `module` and
  // returns the one it replaced; a Sequential runs the new child in the old one's place. Build the
  // optimiser after replacing: the old module's parameters leave the tree. Throws naming the path that does
  // not exist and the children found there.
  std::shared_ptr<Module> replace(const std::string& name, std::shared_ptr<Module> module);

  // ---- modes and housekeeping -----------------------------------------------------------------
  // Sets training mode here and in all children (Dropout and BatchNorm behave differently in eval).
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Drops the gradients of all parameters.
  void zero_grad();
  // Number of parameter elements (only those that require grad when trainable_only).
  int64_t num_parameters(bool trainable_only = false) const;
  // Converts floating parameters and buffers to `dtype` in place: every handle to them (a layer's
  // `weight` member, an optimiser) sees the converted tensor.
  void to(Dtype dtype);

  // One-line description with the layer's arguments, e.g. "Linear(in_features=4, out_features=2, bias=true)".
  virtual std::string extra_repr() const { return ""; }
  // PyTorch-style nested repr.
  void pretty_print(std::ostream& os, int indent = 0) const;

 protected:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  // Replaces the direct child `name` (which exists) by `module`. A module that also keeps a child in a
  // member of its own overrides this to update the member as well, then calls the base.
  virtual void replace_child(const std::string& name, std::shared_ptr<Module> module);

 private:
  std::string type_name_;
  bool training_ = true;
  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  std::shared_ptr<HookList<ForwardHook>> forward_hooks_;         // null until a hook is registered
  std::shared_ptr<HookList<ForwardPreHook>> forward_pre_hooks_;  // null until a pre-hook is registered
};

std::ostream& operator<<(std::ostream& os, const Module& module);

// Sees the forward calls made through Module::operator() (and holders' operator()) on one thread: what
// nn::summary uses to list every layer a model calls, whatever its container or hand-written forward.
class ForwardObserver {
 public:
  virtual ~ForwardObserver() = default;
  virtual void on_forward(const Module& module, const std::vector<Shape>& inputs, const Tensor& output) = 0;
};
// The calling thread's observer, or null (the common case: a forward then costs one thread-local read).
ForwardObserver* forward_observer();
// Installs an observer on the calling thread for the guard's lifetime (nestable).
class ObserveForwards {
 public:
  explicit ObserveForwards(ForwardObserver* observer);
  ~ObserveForwards();
  ObserveForwards(const ObserveForwards&) = delete;
  ObserveForwards& operator=(const ObserveForwards&) = delete;

 private:
  ForwardObserver* previous_;
};
// Reports a call with several inputs (a graph's merges) to the thread's observer, if any.
void notify_forward(const Module& module, const std::vector<Tensor>& inputs, const Tensor& output);

// A shared handle to a module implementation, so `nn::Linear fc(4, 2); fc->weight; fc(x)` work and
// modules can sit in several containers. Holders convert to std::shared_ptr<Module>.
template <typename Impl>
class ModuleHolder {
 public:
  using ImplType = Impl;
  ModuleHolder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

  Impl* operator->() const { return impl_.get(); }
  Impl& operator*() const { return *impl_; }
  const std::shared_ptr<Impl>& ptr() const { return impl_; }
  operator std::shared_ptr<Module>() const { return impl_; }
  template <typename... Args>
  decltype(auto) operator()(Args&&... args) const {
    // The single-tensor forward goes through Module::operator() so observers (nn::summary) see the call.
    if constexpr (sizeof...(Args) == 1 && (std::is_convertible_v<Args, const Tensor&> && ...) &&
                  requires { static_cast<Tensor (Impl::*)(const Tensor&)>(&Impl::forward); }) {
      return static_cast<Module&>(*impl_)(std::forward<Args>(args)...);
    } else {
      return impl_->forward(std::forward<Args>(args)...);
    }
  }

 protected:
  std::shared_ptr<Impl> impl_;
};

// Declares the holder `Name` for `NameImpl`, forwarding any constructor arguments.
#define STRATA_MODULE_HOLDER(Name)                                                                          \
  class Name : public ::strata::nn::ModuleHolder<Name##Impl> {                                              \
   public:                                                                                                  \
    using ::strata::nn::ModuleHolder<Name##Impl>::ModuleHolder;                                             \
    template <typename I = Name##Impl>                                                                      \
      requires std::is_default_constructible_v<I>                                                           \
    Name() : ::strata::nn::ModuleHolder<Name##Impl>(std::make_shared<I>()) {}                                 \
    template <typename... Args>                                                                             \
      requires(sizeof...(Args) > 0 && !(sizeof...(Args) == 1 &&                                                                    \
                 ((std::is_same_v<std::decay_t<Args>, Name> ||                                              \
                   std::is_convertible_v<std::decay_t<Args>, std::shared_ptr<Name##Impl>>) && ...)))        \
    explicit Name(Args&&... args)                                                                           \
        : ::strata::nn::ModuleHolder<Name##Impl>(std::make_shared<Name##Impl>(std::forward<Args>(args)...)) { \
    }                                                                                                       \
  }

// One layer call of a forward pass, as nn::profile records it.
struct LayerProfile {
  std::string name;           // dotted ("layer1.0.conv1"), or the type for an unnamed module
  std::string type;           // "Conv2d"
  std::vector<Shape> inputs;  // one shape per input (merges have several)
  Shape output;
  int64_t params = 0;
  int64_t macs = 0;  // multiply-accumulates of the layer's weight products (0 for activations, norms, pools)
};
// Runs a forward pass on zeros of `input_shape` and `input_dtype` (i64 for models that start with an
// Embedding) in eval mode without recording, and returns one entry per leaf layer called, in call order.
std::vector<LayerProfile> profile(Module& module, const Shape& input_shape, Dtype input_dtype = kFloat32);
// Keras-style summary of profile(): a row per layer with its output shape, parameters and multiply-adds,
// then the totals.
std::string summary(Module& module, const Shape& input_shape, Dtype input_dtype = kFloat32);

}  // namespace strata::nn
