#pragma once
// The layer registry: every layer a config or a graph can name ("conv2d", "linear", ...), with each
// argument's name, kind and default declared once. The CLI, nn::build_graph and C++ users create layers
// through it, so a layer's options are written in one place. Arguments that follow from the input (a linear
// layer's `in`, a convolution's `in`, a batch norm's `features`) may be left out: they are inferred from the
// input's shape.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/shape.h"
#include "strata/nn/module.h"
#include "strata/ops/conv.h"

namespace strata::nn {

// An argument as written: one scalar's text ("3", "0.5", "true", "same", "$channels") or a list of scalars'
// texts ("[3, 3]"). Its ArgSpec gives it a type when the layer is built; C++ callers may pass typed values.
struct ArgValue {
  std::vector<std::string> items;
  bool is_list = false;

  ArgValue() = default;
  ArgValue(const char* text) : items{text} {}
  ArgValue(std::string text) : items{std::move(text)} {}
  ArgValue(int64_t v) : items{std::to_string(v)} {}
  ArgValue(int v) : items{std::to_string(v)} {}
  ArgValue(double v);
  ArgValue(bool v) : items{v ? "true" : "false"} {}
  ArgValue(std::initializer_list<int64_t> list);
  // A list of scalars' texts.
  static ArgValue list(std::vector<std::string> texts);
  // As written: "3", "[3, 3]".
  std::string str() const;
};

using ArgMap = std::map<std::string, ArgValue>;

// What an argument holds, which decides how its text is read.
enum class ArgKind {
  Bool,     // true / false
  Int,      // an integer
  Float,    // a number
  String,   // text (with `choices`, one of them)
  Size2,    // an integer or [h, w]
  Padding,  // an integer, [h, w], 'same' or 'valid'
  Ints,     // an integer or a list of integers
  Floats,   // a number or a list of numbers
};

struct ArgSpec {
  std::string name;
  ArgKind kind = ArgKind::Int;
  // The value when the argument is left out; unset: required (unless it can be inferred).
  std::optional<ArgValue> fallback{};
  // Fills the argument from the shape of the layer's input when it is left out (e.g. input[1] for a
  // convolution's in_channels); returns nothing when the shape does not tell.
  std::function<std::optional<int64_t>(const Shape& input)> infer{};
  std::vector<std::string> choices{};  // String: the values allowed
};

// The arguments of one layer, resolved against its specs: given values first, then inferred ones, then
// defaults. Getters throw strata::Error naming the layer, the argument and what was expected.
class LayerArgs {
 public:
  // `kind` names what the arguments are for in messages: "layer 'conv2d' needs ...", "optimizer 'sgd' ...".
  LayerArgs(std::string layer, const std::vector<ArgSpec>& specs, ArgMap values, const Shape& input,
            const std::map<std::string, ArgValue>& variables, std::string kind = "layer");

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  int64_t integer(const std::string& name) const;
  double number(const std::string& name) const;
  bool boolean(const std::string& name) const;
  std::string text(const std::string& name) const;
  ops::Size2 size2(const std::string& name) const;
  ops::Padding2 padding(const std::string& name) const;
  std::vector<int64_t> integers(const std::string& name) const;
  std::vector<double> numbers(const std::string& name) const;
  // An integer argument whose default is "none".
  std::optional<int64_t> optional_integer(const std::string& name) const;
  // A number argument whose default is "none".
  std::optional<double> optional_number(const std::string& name) const;
  [[noreturn]] void fail(const std::string& message) const;

 private:
  const ArgValue& value(const std::string& name) const;
  std::string layer_;
  std::string kind_;
  std::map<std::string, ArgValue> values_;
};

// Makes the module from its resolved arguments.
using LayerFactory = std::function<std::shared_ptr<Module>(const LayerArgs&)>;

struct LayerType {
  std::string name;           // as configs write it: "conv2d"
  std::string description;    // one line, for docs
  std::vector<ArgSpec> args;  // in positional order ("conv2d: [1, 6, 5]")
  LayerFactory create;
};

class LayerRegistry {
 public:
  // Adds a layer type, replacing one of the same name (an application may swap a factory).
  void add(LayerType type);
  const LayerType* find(const std::string& name) const;
  // Every registered name, sorted.
  std::vector<std::string> names() const;
  // Builds layer `name` from `values` (by argument name), inferring what is left out from `input`.
  // `variables` resolves arguments written "$name" (block parameters, vocab_size). Throws naming the layer
  // and the argument.
  std::shared_ptr<Module> create(const std::string& name, const ArgMap& values, const Shape& input = {},
                                 const std::map<std::string, ArgValue>& variables = {}) const;
  // Maps positional values ("conv2d: [1, 6, 5]") to argument names; throws when there are too many.
  ArgMap by_position(const std::string& name, const std::vector<ArgValue>& positional) const;
  // Names the value of the scalar shorthand ("dropout: 0.25", "linear: 10"): the layer's first required
  // argument that cannot be inferred, else its first argument.
  ArgMap shorthand(const std::string& name, const ArgValue& value) const;

 private:
  std::map<std::string, LayerType> types_;
};

// strata's layers, each declared once (src/nn/layers.cpp).
const LayerRegistry& layer_registry();

}  // namespace strata::nn
