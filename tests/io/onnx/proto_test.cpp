// Tensor <-> TensorProto conversion and model file reading/writing (src/io/onnx/proto.cpp).
#include "io/onnx/proto.h"

#include <gtest/gtest.h>

#include <fstream>

#include "io/onnx_test_util.h"
#include "test_util.h"

namespace strata::onnx {
namespace {

using strata::testing::ScratchDir;

TEST(OnnxProto, TensorRoundTripKeepsValuesAndShapes) {
  const Tensor f = randn({2, 3, 4});
  const Tensor d = randn({5}, {.dtype = kFloat64});
  const Tensor i = randint(-100, 100, {3, 2});
  const Tensor u = randint(0, 255, {7}, {.dtype = kUInt8});
  const Tensor e = empty({0, 3});
  for (const Tensor& t : {f, d, i, u, e}) {
    const ::onnx::TensorProto p = to_tensor_proto(t, "t");
    EXPECT_EQ(p.name(), "t");
    const Tensor back = from_tensor_proto(p);
    ASSERT_EQ(back.shape(), t.shape());
    ASSERT_EQ(back.dtype(), t.dtype());
    if (t.numel() > 0) {
      EXPECT_EQ(back.to(kFloat64).sub_(t.to(kFloat64)).abs().max().item(), 0.0);
    }
  }
}

TEST(OnnxProto, NonContiguousTensorIsWrittenInLogicalOrder) {
  const Tensor t = randn({3, 4});
  const Tensor back = from_tensor_proto(to_tensor_proto(t.t(), "w"));
  EXPECT_EQ(back.shape(), Shape({4, 3}));
  EXPECT_EQ(back.at({1, 2}), t.at({2, 1}));
}

TEST(OnnxProto, TypedFieldsAndNarrowIntegersAreRead) {
  ::onnx::TensorProto p;
  p.set_name("x");
  p.set_data_type(::onnx::TensorProto::INT32);
  p.add_dims(3);
  for (int v : {-1, 0, 7}) p.add_int32_data(v);
  const Tensor t = from_tensor_proto(p);
  EXPECT_EQ(t.dtype(), kInt64);
  EXPECT_EQ(t.to_vector<int64_t>(), (std::vector<int64_t>{-1, 0, 7}));

  ::onnx::TensorProto q;
  q.set_name("y");
  q.set_data_type(::onnx::TensorProto::FLOAT);
  q.add_dims(2);
  q.add_float_data(1.5f);
  q.add_float_data(-2.0f);
  EXPECT_EQ(from_tensor_proto(q).to_vector<float>(), (std::vector<float>{1.5f, -2.0f}));
}

TEST(OnnxProto, ExternalDataIsReadRelativeToTheModelFolder) {
  ScratchDir dir;
  const Tensor t = randn({4, 5});
  {
    std::ofstream out(dir.file("w.bin"), std::ios::binary);
    const std::string pad(16, '\0');
    out.write(pad.data(), 16);
    out.write(static_cast<const char*>(t.raw_data()), 80);
  }
  ::onnx::TensorProto p;
  p.set_name("w");
  p.set_data_type(::onnx::TensorProto::FLOAT);
  p.add_dims(4);
  p.add_dims(5);
  p.set_data_location(::onnx::TensorProto::EXTERNAL);
  auto* kv = p.add_external_data();
  kv->set_key("location");
  kv->set_value("w.bin");
  kv = p.add_external_data();
  kv->set_key("offset");
  kv->set_value("16");
  kv = p.add_external_data();
  kv->set_key("length");
  kv->set_value("80");
  const Tensor back = from_tensor_proto(p, dir.path.string());
  EXPECT_EQ(back.to_vector<float>(), t.to_vector<float>());
  EXPECT_ERROR_CONTAINS(from_tensor_proto(p, "/nonexistent"), "cannot open external data", "'w'");
}

TEST(OnnxProto, BadTensorsRaiseNamingTheTensor) {
  ::onnx::TensorProto p;
  p.set_name("bad");
  p.set_data_type(::onnx::TensorProto::FLOAT);
  p.add_dims(3);
  p.set_raw_data(std::string(8, '\0'));
  EXPECT_ERROR_CONTAINS(from_tensor_proto(p), "'bad'", "8 bytes", "12");
  ::onnx::TensorProto s;
  s.set_name("names");
  s.set_data_type(::onnx::TensorProto::STRING);
  EXPECT_ERROR_CONTAINS(from_tensor_proto(s), "'names'", "STRING");
  EXPECT_ERROR_CONTAINS(to_tensor_proto(randn({2}).to(kBFloat16), "b"), "bf16");
}

TEST(OnnxProto, ModelFilesRoundTripAndBadFilesRaise) {
  ScratchDir dir;
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("strata");
  m.add_opset_import()->set_version(17);
  *m.mutable_graph()->add_initializer() = to_tensor_proto(randn({2, 2}), "w");
  m.mutable_graph()->set_name("g");
  write_model(m, dir.file("m.onnx"));
  const ::onnx::ModelProto back = read_model(dir.file("m.onnx"));
  EXPECT_EQ(back.producer_name(), "strata");
  EXPECT_EQ(back.graph().initializer(0).name(), "w");
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.onnx") + ".tmp"));

  EXPECT_ERROR_CONTAINS(read_model(dir.file("none.onnx")), "cannot open", "none.onnx");
  {
    std::ofstream out(dir.file("junk.onnx"));
    out << "this is not a protobuf message \xff\xff\xff";
  }
  EXPECT_ERROR_CONTAINS(read_model(dir.file("junk.onnx")), "junk.onnx", "not an ONNX model");
  EXPECT_ERROR_CONTAINS(write_model(m, dir.file("no/such/dir/m.onnx")), "cannot create");
}

}  // namespace
}  // namespace strata::onnx
