#pragma once
// The compiler's typed IR: a graph of values (shape, dtype, a symbolic batch dim, what they alias) and
// nodes (an op, its operand and result values, its attributes) in execution order. A training step is
// one joint graph: forward, loss, backward and the optimiser step, so passes see all of it at once.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::compiler {

// What a node computes. Forward ops first, then their backward rules, then effects.
enum class OpKind {
  Reshape,               // a view of its input with another shape (no data moves)
  Linear,                // y = x W^T + b, optionally with a fused ReLU (attr act)
  Conv2d,                // y = conv(x, W) + b, optionally with a fused ReLU
  Relu,                  // y = max(x, 0)
  MaxPool2d,             // y, workspace = maxpool(x)
  CrossEntropy,          // loss (0-dim mean), lse = cross_entropy(logits, target)
  CrossEntropyBackward,  // d logits of the mean loss
  LinearBackwardInput,   // dx = g W
  LinearBackwardWeight,  // dW = g^T x (written into the parameter's gradient)
  BiasBackward,          // db = sum of g over all dims but the last (or over N, H, W for convolutions)
  ReluBackward,          // dx = g where y > 0 else 0 (in place over g when g dies here)
  Conv2dBackwardInput,   // dx = conv^T(g, W)
  Conv2dBackwardWeight,  // dW (and db, a second result, when the layer has a bias)
  Conv2dBackward,        // dx, dW (and db) in one kernel call (Conv2dBackwardInput + Weight fused)
  MaxPool2dBackward,     // dx = route g through the workspace
  OptimizerStep,         // the optimiser's update of every parameter from its gradient (an effect)
};

// The op's name as `--explain` prints it.
const char* op_name(OpKind op);
// True for ops that produce no value anyone reads but must run (dead-code elimination keeps them).
bool has_effect(OpKind op);

enum class ValueKind {
  Input,      // fed at each call (batch of inputs, targets)
  Parameter,  // a module parameter, read in place
  Gradient,   // a parameter's gradient: written in place into the parameter's .grad()
  Temporary,  // produced and consumed inside the graph
};

struct Value {
  int id = -1;
  ValueKind kind = ValueKind::Temporary;
  Shape shape;             // with the batch dim at its example size
  bool batch_dim = false;  // dim 0 is the symbolic batch size
  Dtype dtype = kFloat32;
  std::string name;      // parameter name, "input", "target", or a generated %n
  int producer = -1;     // index of the node that writes it; -1 for inputs and parameters
  int param_index = -1;  // into Graph::parameters for Parameter and Gradient values
  int alias_of = -1;     // a view of (or in place over) another value's buffer
};

// Attributes of the ops that need them (zero where unused).
struct Attrs {
  bool relu = false;                       // a fused ReLU post-op (Linear, Conv2d)
  std::array<int64_t, 2> stride{1, 1};     // Conv2d, MaxPool2d
  std::array<int64_t, 2> pad_begin{0, 0};  // Conv2d (MaxPool2d: its symmetric padding)
  std::array<int64_t, 2> pad_end{0, 0};    // Conv2d
  std::array<int64_t, 2> dilation{1, 1};   // Conv2d
  std::array<int64_t, 2> kernel{1, 1};     // MaxPool2d
  std::array<int64_t, 2> out{1, 1};        // MaxPool2d output plane
  int64_t groups = 1;                      // Conv2d
  bool in_place = false;                   // ReluBackward writes over its gradient operand

  bool operator==(const Attrs&) const = default;
  // A short text for printing and CSE keys.
  std::string str() const;
};

struct Node {
  OpKind op;
  std::vector<int> inputs;   // value ids (-1: an absent optional operand, such as no bias)
  std::vector<int> outputs;  // value ids
  Attrs attrs;
  std::string label;  // the layer it came from ("2: Linear")
};

class Graph {
 public:
  // Adds a value and returns its id.
  int add_value(ValueKind kind, Shape shape, Dtype dtype, bool batch_dim, std::string name = {});
  // Appends a node; its outputs' producer is set to it. Returns the node's index.
  int add_node(OpKind op, std::vector<int> inputs, std::vector<int> outputs, Attrs attrs = {},
               std::string label = {});

  // Bytes of value `id` at batch size `batch`.
  int64_t bytes(int id, int64_t batch) const;
  // The shape of value `id` at batch size `batch`.
  Shape shape_at(int id, int64_t batch) const;
  // The value whose buffer `id` lives in (follows alias_of).
  int root(int id) const;
  // Number of nodes reading value `id`.
  int uses(int id) const;

  // One line per node: "%5 = Linear(%0, W, b) [relu] : [B, 256] f32".
  std::string str() const;

  std::vector<Value> values;
  std::vector<Node> nodes;
  std::vector<int> inputs;         // values fed at each call, in call order
  std::vector<int> outputs;        // values the caller reads (the loss, or the forward output)
  std::vector<Tensor> parameters;  // by param_index
  std::vector<std::string> parameter_names;
};

}  // namespace strata::compiler
