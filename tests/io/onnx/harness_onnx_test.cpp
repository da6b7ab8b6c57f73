// The onnxruntime harness (scripts/install-onnxruntime, scripts/onnx_run.mjs, tests/io/onnx_test_util.h) on
// hand-written models: the reference every ONNX export and import test compares against.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "io/onnx/proto.h"
#include "io/onnx_test_util.h"
#include "test_util.h"

namespace strata::onnx {
namespace {

using strata::testing::ScratchDir;

// y = Relu(MatMul(x, w) + b), z = Cast<int64>(Shape(x)) with dynamic batch.
::onnx::ModelProto dense_relu(const Tensor& w, const Tensor& b) {
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("dense_relu");
  *g->add_initializer() = to_tensor_proto(w, "w");
  *g->add_initializer() = to_tensor_proto(b, "b");
  auto node = [&](const std::string& op, std::vector<std::string> in, const std::string& out) {
    auto* n = g->add_node();
    n->set_op_type(op);
    for (const auto& s : in) n->add_input(s);
    n->add_output(out);
  };
  node("MatMul", {"x", "w"}, "xw");
  node("Add", {"xw", "b"}, "pre");
  node("Relu", {"pre"}, "y");
  node("Shape", {"x"}, "z");
  auto value = [](::onnx::ValueInfoProto* v, const std::string& name, int32_t type,
                  std::vector<int64_t> dims) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(type);
    for (int64_t d : dims) {
      auto* dim = t->mutable_shape()->add_dim();
      if (d < 0) {
        dim->set_dim_param("batch");
      } else {
        dim->set_dim_value(d);
      }
    }
  };
  value(g->add_input(), "x", ::onnx::TensorProto::FLOAT, {-1, w.size(0)});
  value(g->add_output(), "y", ::onnx::TensorProto::FLOAT, {-1, w.size(1)});
  value(g->add_output(), "z", ::onnx::TensorProto::INT64, {2});
  return m;
}

TEST(OnnxHarness, OnnxruntimeMatchesStrataForBatches0And1AndN) {
  ScratchDir dir;
  const Tensor w = randn({4, 3}), b = randn({3});
  write_model(dense_relu(w, b), dir.file("dense.onnx"));
  check_model(dir.file("dense.onnx"));
  for (int64_t n : {0, 1, 5}) {
    const Tensor x = randn({n, 4});
    auto out = strata::testing::run_onnxruntime(dir.file("dense.onnx"), {{"x", x}});
    ASSERT_EQ(out.count("y"), 1u);
    strata::testing::expect_onnx_close(out.at("y"), ops::relu(ops::add(ops::matmul(x, w), b)), 1e-5, "y");
    EXPECT_EQ(out.at("z").to_vector<int64_t>(), (std::vector<int64_t>{n, 4}));
  }
}

TEST(OnnxHarness, PythonFullCheckAgrees) {
  ScratchDir dir;
  write_model(dense_relu(randn({4, 3}), randn({3})), dir.file("dense.onnx"));
  ASSERT_TRUE(strata::testing::python_onnx_available())
      << "python3-onnx is missing: run scripts/install-deps";
  strata::testing::expect_python_full_check(dir.file("dense.onnx"));
}

TEST(OnnxHarness, ComparisonCatchesAMismatch) {
  // (gtest's failure-expecting macros may not use local variables.)
  EXPECT_NONFATAL_FAILURE(strata::testing::expect_onnx_close(from_vector<float>({1.0f, 2.0f, 3.0f}),
                                                             from_vector<float>({1.0f, 2.0f, 3.001f}), 1e-4),
                          "worst relative error");
  EXPECT_NONFATAL_FAILURE(strata::testing::expect_onnx_close(from_vector<float>({1.0f, NAN}),
                                                             from_vector<float>({1.0f, 2.0f}), 1e-4),
                          "worst relative error");
  EXPECT_FATAL_FAILURE(strata::testing::expect_onnx_close(from_vector<float>({1.0f, 2.0f, 3.0f}),
                                                          from_vector<float>({1.0f, 2.0f}), 1e-4),
                       "onnxruntime");
}

TEST(OnnxHarness, AFailingModelIsReportedWithOnnxruntimesMessage) {
  ScratchDir dir;
  static std::string model;
  model = dir.file("dense.onnx");
  write_model(dense_relu(randn({4, 3}), randn({3})), model);
  // Wrong input name: onnxruntime (onnx_run.mjs) refuses and its message reaches the test log.
  EXPECT_NONFATAL_FAILURE(strata::testing::run_onnxruntime(model, {{"not_x", randn({1, 4})}}),
                          "graph input x");
}

}  // namespace
}  // namespace strata::onnx
