#pragma once
// Graph passes over the compiler's IR. Each rewrites the graph in place and returns what it did.
#include <string>
#include <vector>

#include "strata/compile/ir.h"

namespace strata::compiler {

struct PassReport {
  int dead = 0;                            // nodes removed by dead-code elimination
  int common = 0;                          // nodes merged by common-subexpression elimination
  int simplified = 0;                      // nodes removed by algebraic simplification
  std::vector<std::string> fusion_groups;  // one line per fusion ("Linear + Relu -> Linear[relu]")
};

// Removes nodes whose results nobody reads (the graph's outputs and effects are read).
int eliminate_dead_code(Graph& g);
// Merges nodes computing the same op on the same operands with the same attributes.
int eliminate_common_subexpressions(Graph& g);
// Algebraic simplification: a reshape to its operand's shape, a reshape of a reshape, a relu of a relu's
// output (relu is idempotent) are replaced by their operand.
int simplify_algebra(Graph& g);
// Fuses a ReLU into the Linear or Conv2d that feeds it (a oneDNN post-op) when nothing else reads the
// pre-activation.
std::vector<std::string> fuse_post_ops(Graph& g);
// Fuses Conv2dBackwardInput and Conv2dBackwardWeight of one layer into one Conv2dBackward.
std::vector<std::string> fuse_conv_backward(Graph& g);
// Marks ReluBackward in place over its gradient operand when that operand dies there.
std::vector<std::string> fuse_in_place(Graph& g);
// The pipeline: simplify, CSE, DCE, then the fusions.
PassReport optimize(Graph& g);

}  // namespace strata::compiler
