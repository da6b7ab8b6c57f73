// check_model: libonnx's checker plus strict shape inference (src/io/onnx/check.cpp).
#include <gtest/gtest.h>

#include "io/onnx/proto.h"
#include "io/onnx_test_util.h"
#include "strata/io/onnx.h"
#include "test_util.h"

namespace strata::onnx {
namespace {

using strata::testing::ScratchDir;

// y = MatMul(x, w) with x [N, 3] and w [3, 2]; `y_dims` declares y's shape.
::onnx::ModelProto matmul_model(const std::vector<int64_t>& y_dims, const std::string& op = "MatMul") {
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("g");
  *g->add_initializer() = to_tensor_proto(randn({3, 2}), "w");
  auto* n = g->add_node();
  n->set_op_type(op);
  n->add_input("x");
  n->add_input("w");
  n->add_output("y");
  auto value = [](::onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& dims) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(::onnx::TensorProto::FLOAT);
    for (int64_t d : dims) {
      auto* dim = t->mutable_shape()->add_dim();
      if (d < 0) {
        dim->set_dim_param("batch");
      } else {
        dim->set_dim_value(d);
      }
    }
  };
  value(g->add_input(), "x", {-1, 3});
  value(g->add_output(), "y", y_dims);
  return m;
}

TEST(OnnxCheck, AcceptsAValidModel) {
  ScratchDir dir;
  write_model(matmul_model({-1, 2}), dir.file("ok.onnx"));
  EXPECT_NO_THROW(check_model(dir.file("ok.onnx")));
  EXPECT_NO_THROW(check_model_proto(matmul_model({-1, 2}), "ok"));
}

TEST(OnnxCheck, StrictShapeInferenceRejectsAWrongDeclaredShape) {
  ScratchDir dir;
  write_model(matmul_model({-1, 5}), dir.file("bad_shape.onnx"));
  EXPECT_ERROR_CONTAINS(check_model(dir.file("bad_shape.onnx")), "bad_shape.onnx", "fails the ONNX checker");
}

TEST(OnnxCheck, CheckerRejectsAnUnknownOperator) {
  ScratchDir dir;
  write_model(matmul_model({-1, 2}, "NoSuchOp"), dir.file("bad_op.onnx"));
  EXPECT_ERROR_CONTAINS(check_model(dir.file("bad_op.onnx")), "bad_op.onnx", "NoSuchOp");
  EXPECT_ERROR_CONTAINS(check_model(dir.file("missing.onnx")), "no file", "missing.onnx");
}

}  // namespace
}  // namespace strata::onnx
