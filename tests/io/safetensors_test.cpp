#include "strata/io/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "test_util.h"

namespace strata {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A fresh, empty directory per test, removed afterwards.
class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / fmt::format("strata_safetensors_{}_{}", ::getpid(), info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Writes a file by hand: the length `header_len` (the header's own size when negative), header, data.
  std::string write_raw(const std::string& header, const std::string& data = "", int64_t header_len = -1) {
    const std::string p = path("raw.safetensors");
    std::ofstream f(p, std::ios::binary);
    const uint64_t n = header_len < 0 ? header.size() : static_cast<uint64_t>(header_len);
    f.write(reinterpret_cast<const char*>(&n), 8);
    f << header << data;
    return p;
  }

  // The error message load_safetensors throws for a hand-written file.
  std::string load_error(const std::string& header, const std::string& data = "", int64_t header_len = -1) {
    const std::string p = write_raw(header, data, header_len);
    try {
      io::load_safetensors(p);
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(p));
      return e.what();
    }
    ADD_FAILURE() << "load_safetensors accepted header " << header;
    return "";
  }

  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  static std::string read_file(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }

  fs::path dir_;
};

void expect_same(const Tensor& got, const Tensor& want) {
  ASSERT_TRUE(got.defined());
  EXPECT_EQ(got.dtype(), want.dtype());
  EXPECT_EQ(got.shape(), want.shape());
  EXPECT_TRUE(got.is_contiguous());
  if (got.dtype() == kInt64) {
    EXPECT_EQ(got.to_vector<int64_t>(), want.to_vector<int64_t>());
  } else {
    EXPECT_TRUE(equal(got, want)) << got << "\nvs\n" << want;
  }
}

TEST_F(SafetensorsTest, RoundTripsEveryDtype) {
  std::map<std::string, Tensor> tensors{
      {"f32",
       from_vector<float>({1.5f, -2.25f, 3e-8f, std::numeric_limits<float>::max(), 0.f, -0.f}, {2, 3})},
      {"f64", from_vector<double>({0.1, -1e300, 3.14159265358979}, {3, 1})},
      {"i64",
       from_vector<int64_t>({std::numeric_limits<int64_t>::min(), -1, 0, std::numeric_limits<int64_t>::max()},
                            {2, 1, 2})},
      {"u8", from_vector<uint8_t>({0, 1, 127, 255}, {4})},
      {"scalar", scalar_tensor(7.0, {.dtype = kFloat64})},
      {"empty", zeros({0, 3})},
      {"unicode name \u00e9\u5c42.weight", ones({2})},
  };
  const std::string p = path("all.safetensors");
  io::save_safetensors(p, tensors);
  auto loaded = io::load_safetensors(p);
  ASSERT_EQ(loaded.size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    SCOPED_TRACE(name);
    expect_same(loaded.at(name), t);
  }
}

TEST_F(SafetensorsTest, Bf16IsWidenedToF32OnLoad) {
  // 1.0, -2.5, 0.15625, smallest subnormal, -inf in bf16 bits.
  std::vector<uint16_t> bits{0x3F80, 0xC020, 0x3E20, 0x0001, 0xFF80, 0x4049};
  Tensor bf16 = from_blob(bits.data(), {2, 3}, kBFloat16);
  const std::string p = path("bf16.safetensors");
  io::save_safetensors(p, {{"w", bf16}, {"wt", bf16.transpose(0, 1)}});
  EXPECT_THAT(read_file(p), HasSubstr("\"dtype\":\"BF16\""));

  auto loaded = io::load_safetensors(p);
  std::vector<float> want;
  for (uint16_t b : bits) {
    uint32_t u = static_cast<uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    want.push_back(f);
  }
  expect_same(loaded.at("w"), from_vector(want, {2, 3}));
  expect_same(loaded.at("wt"), from_vector(want, {2, 3}).transpose(0, 1).contiguous());
}

TEST_F(SafetensorsTest, Int8RoundTripsAsI8Bits) {
  // s8 values -128, -1, 0, 127 held as u8 bits (strata has no int8 dtype).
  std::vector<uint8_t> bits{0x80, 0xFF, 0x00, 0x7F};
  Tensor q = from_blob(bits.data(), {2, 2}, kUInt8);
  const std::string p = path("i8.safetensors");
  io::save_safetensors(p, {{"q", q}, {"u", q}}, {}, {"q"});
  EXPECT_THAT(read_file(p), HasSubstr("\"q\":{\"dtype\":\"I8\""));
  EXPECT_THAT(read_file(p), HasSubstr("\"u\":{\"dtype\":\"U8\""));
  const io::SafetensorsFile f = io::read_safetensors(p);
  EXPECT_EQ(f.int8, std::set<std::string>{"q"});
  expect_same(f.tensors.at("q"), q);
  EXPECT_THAT(testing::error_of([&] {
                io::save_safetensors(p, {{"x", from_vector<float>({1.f}, {1})}}, {}, {"x"});
              }),
              HasSubstr("listed as I8 must hold s8 bits in a u8 tensor"));
}

TEST_F(SafetensorsTest, ReadsF16I32I8AndBoolWrittenByPython) {
  // Written by scripts/gen_fixtures_safetensors.py: each dtype beside PyTorch's widening of it.
  const io::SafetensorsFile file =
      io::read_safetensors(std::string(STRATA_FIXTURES_DIR) + "/io_dtypes.safetensors");
  EXPECT_EQ(file.stored_as, (std::map<std::string, std::string>{{"bf16", "BF16"},
                                                                {"bool", "BOOL"},
                                                                {"f16", "F16"},
                                                                {"f16_rounding.want", "F16"},
                                                                {"i32", "I32"},
                                                                {"i8", "I8"}}));
  EXPECT_EQ(file.int8, std::set<std::string>{"i8"});
  for (const std::string name : {"f16", "i32", "bf16", "bool"}) {
    SCOPED_TRACE(name);
    const Tensor& want = file.tensors.at(name + ".want");
    const Tensor& got = file.tensors.at(name);
    expect_same(name == "bool" ? got.to(kInt64) : got, want);
  }
  expect_same(file.tensors.at("bool"), from_vector<uint8_t>({1, 0, 1, 0, 0, 1}, {2, 3}));
  // I8 keeps its bits in u8; read as signed they are PyTorch's values.
  const Tensor i8 = file.tensors.at("i8");
  std::vector<int64_t> signed_values;
  for (uint8_t b : i8.to_vector<uint8_t>()) signed_values.push_back(static_cast<int8_t>(b));
  EXPECT_EQ(signed_values, file.tensors.at("i8.want").to_vector<int64_t>());
}

TEST_F(SafetensorsTest, NarrowsToF16LikePyTorch) {
  // PyTorch's .half() of ties, overflow and subnormals is the reference
  // (scripts/gen_fixtures_safetensors.py).
  const io::SafetensorsFile fixture =
      io::read_safetensors(std::string(STRATA_FIXTURES_DIR) + "/io_dtypes.safetensors");
  const Tensor values = fixture.tensors.at("f16_rounding");
  const std::string p = path("f16.safetensors");
  io::save_safetensors(p, {{"x", values}, {"y", values.to(kFloat64)}}, {}, {}, {{"x", "F16"}, {"y", "F16"}});
  EXPECT_THAT(read_file(p), HasSubstr("\"x\":{\"dtype\":\"F16\""));
  const io::SafetensorsFile f = io::read_safetensors(p);
  expect_same(f.tensors.at("x"), fixture.tensors.at("f16_rounding.want"));
  expect_same(f.tensors.at("y"), fixture.tensors.at("f16_rounding.want"));
}

TEST_F(SafetensorsTest, StoredDtypesRoundTrip) {
  // What read_safetensors reports in stored_as, save_safetensors writes back: the same file dtypes.
  const std::string fixture = std::string(STRATA_FIXTURES_DIR) + "/io_dtypes.safetensors";
  const io::SafetensorsFile f = io::read_safetensors(fixture);
  const std::string p = path("again.safetensors");
  io::save_safetensors(p, f.tensors, f.metadata, f.int8, f.stored_as);
  const io::SafetensorsFile g = io::read_safetensors(p);
  EXPECT_EQ(g.stored_as, f.stored_as);
  for (const auto& [name, t] : f.tensors) {
    SCOPED_TRACE(name);
    expect_same(g.tensors.at(name), t);
  }
  // The data bytes are the fixture's: same dtypes, same order, same values.
  const std::string a = read_file(p), b = read_file(fixture);
  uint64_t na = 0, nb = 0;
  std::memcpy(&na, a.data(), 8);
  std::memcpy(&nb, b.data(), 8);
  EXPECT_EQ(a.substr(8 + na), b.substr(8 + nb));
}

TEST_F(SafetensorsTest, StoredDtypesRejectValuesThatDoNotFit) {
  const std::string p = path("bad.safetensors");
  EXPECT_THAT(
      testing::error_of([&] {
        io::save_safetensors(p, {{"i", from_vector<int64_t>({1, int64_t{1} << 31})}}, {}, {}, {{"i", "I32"}});
      }),
      HasSubstr("tensor 'i' stored as I32: element 1 = 2147483648 does not fit"));
  EXPECT_THAT(testing::error_of([&] {
                io::save_safetensors(p, {{"b", from_vector<uint8_t>({0, 2})}}, {}, {}, {{"b", "BOOL"}});
              }),
              HasSubstr("tensor 'b' stored as BOOL: element 1 = 2 is not 0 or 1"));
  EXPECT_THAT(testing::error_of([&] {
                io::save_safetensors(p, {{"i", from_vector<int64_t>({1})}}, {}, {}, {{"i", "F16"}});
              }),
              HasSubstr("tensor 'i' stored as F16: needs a floating tensor, got i64"));
  EXPECT_THAT(testing::error_of([&] {
                io::save_safetensors(p, {{"x", ones({1})}}, {}, {}, {{"x", "F8_E4M3"}});
              }),
              HasSubstr("strata writes F16, BF16, I32, I8 or BOOL"));
  EXPECT_THAT(testing::error_of([&] {
                io::save_safetensors(p, {{"x", ones({1})}}, {}, {}, {{"y", "F16"}});
              }),
              HasSubstr("stored_as names 'y', which is not a tensor"));
  EXPECT_FALSE(fs::exists(p));
  // A BOOL tensor whose bytes are not 0 or 1 is refused on read.
  EXPECT_THAT(load_error(R"({"b": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}})",
                         std::string("\x01\x05", 2)),
              HasSubstr("tensor 'b': BOOL element 1 holds byte 5, not 0 or 1"));
  EXPECT_THAT(load_error(R"({"w": {"dtype": "F16", "shape": [3], "data_offsets": [0, 4]}})", "abcd"),
              HasSubstr("span 4 bytes but F16 of shape [3] needs 6"));
}

TEST_F(SafetensorsTest, WritesNonContiguousTensorsInRowMajorOrder) {
  Tensor base = testing::input({4, 6}, 3).detach();
  std::map<std::string, Tensor> tensors{
      {"transposed", base.transpose(0, 1)},
      {"strided", base.slice(1, 1, 6, 2)},
      {"expanded", from_vector<int64_t>({4, 5, 6}, {3, 1}).expand({3, 4})},
      {"offset", base.select(0, 2)},
  };
  const std::string p = path("views.safetensors");
  io::save_safetensors(p, tensors);
  auto loaded = io::load_safetensors(p);
  for (const auto& [name, t] : tensors) {
    SCOPED_TRACE(name);
    expect_same(loaded.at(name), t.contiguous());
  }
}

TEST_F(SafetensorsTest, SavesTensorsThatRequireGrad) {
  Tensor x = testing::input({3, 2});
  Tensor y = x * 2.0;
  const std::string p = path("grad.safetensors");
  io::save_safetensors(p, {{"x", x}, {"y", y}});
  auto loaded = io::load_safetensors(p);
  expect_same(loaded.at("x"), x.detach());
  expect_same(loaded.at("y"), y.detach());
  EXPECT_FALSE(loaded.at("y").requires_grad());
}

TEST_F(SafetensorsTest, ReadsFilesWrittenByPython) {
  // Written by scripts/gen_fixtures.py from PyTorch tensors.
  auto file = io::read_safetensors(std::string(STRATA_FIXTURES_DIR) + "/io_interop.safetensors");
  EXPECT_EQ(file.metadata,
            (std::map<std::string, std::string>{{"format", "pt"}, {"producer", "gen_fixtures.py"}}));
  ASSERT_EQ(file.tensors.size(), 8u);
  expect_same(file.tensors.at("f32"), from_vector<float>({0, 0.25f, 0.5f, 0.75f, 1, 1.25f}, {2, 3}));
  expect_same(file.tensors.at("f64"), from_vector<double>({0.1, -2.0, 1e300, -1e-300}, {2, 2}));
  expect_same(file.tensors.at("i64"), from_vector<int64_t>({-3, 0, int64_t{1} << 40}));
  expect_same(file.tensors.at("u8"), from_vector<uint8_t>({0, 255, 7}, {1, 3}));
  expect_same(file.tensors.at("bf16"), from_vector<float>({1.0f, -2.5f, 0.15625f, 3.140625f}));
  expect_same(file.tensors.at("scalar"), scalar_tensor(2.5, {.dtype = kFloat64}));
  expect_same(file.tensors.at("empty"), zeros({0, 2}));
  expect_same(file.tensors.at("noncontiguous"), from_vector<double>({0, 3, 1, 4, 2, 5}, {3, 2}));
}

TEST_F(SafetensorsTest, RoundTripsMetadata) {
  const std::string p = path("meta.safetensors");
  std::map<std::string, std::string> meta{
      {"format", "pt"}, {"epoch", "3"}, {"note", "quotes \" and\nnewline"}};
  io::save_safetensors(p, {{"a", ones({2})}}, meta);
  auto file = io::read_safetensors(p);
  EXPECT_EQ(file.metadata, meta);
  expect_same(file.tensors.at("a"), ones({2}));
  EXPECT_EQ(io::read_safetensors(write_raw(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "x"))
                .metadata.size(),
            0u);
}

TEST_F(SafetensorsTest, HeaderIsPaddedSortedAndDeterministic) {
  const std::string p1 = path("one.safetensors"), p2 = path("two.safetensors");
  std::map<std::string, Tensor> tensors{{"zeta", ones({3})}, {"alpha", zeros({1}, {.dtype = kUInt8})}};
  io::save_safetensors(p1, tensors, {{"k", "v"}});
  io::save_safetensors(p2, tensors, {{"k", "v"}});
  const std::string bytes = read_file(p1);
  EXPECT_EQ(bytes, read_file(p2));

  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  ASSERT_EQ(bytes.size(), 8 + n + 1 + 12);
  const std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.front(), '{');
  EXPECT_EQ(header.find_last_not_of(' '), header.find_last_of('}'));
  EXPECT_LT(header.find("__metadata__"), header.find("alpha"));
  EXPECT_LT(header.find("alpha"), header.find("zeta"));
  EXPECT_THAT(header, HasSubstr(R"("alpha":{"dtype":"U8","shape":[1],"data_offsets":[0,1]})"));
  EXPECT_THAT(header, HasSubstr(R"("zeta":{"dtype":"F32","shape":[3],"data_offsets":[1,13]})"));
}

TEST_F(SafetensorsTest, ReadsFilesWithoutTensorsOrPadding) {
  EXPECT_TRUE(io::load_safetensors(write_raw("{}")).empty());
  auto t = io::load_safetensors(
      write_raw(R"({"b":{"data_offsets":[0,2],"shape":[2],"dtype":"U8"}}   )", "\x01\x02"));
  expect_same(t.at("b"), from_vector<uint8_t>({1, 2}));
}

TEST_F(SafetensorsTest, WritesAtomically) {
  const std::string p = path("model.safetensors");
  { std::ofstream(p) << "old contents"; }
  io::save_safetensors(p, {{"w", full({2, 2}, 3.0)}});
  EXPECT_EQ(files(), std::vector<std::string>{"model.safetensors"});
  expect_same(io::load_safetensors(p).at("w"), full({2, 2}, 3.0));

  // A save that fails leaves the previous file untouched and no temporary behind.
  const std::string before = read_file(p);
  EXPECT_THROW(io::save_safetensors(p, {{"ok", ones({1})}, {"w", Tensor()}}), Error);
  EXPECT_EQ(read_file(p), before);
  EXPECT_EQ(files(), std::vector<std::string>{"model.safetensors"});
}

TEST_F(SafetensorsTest, SaveRejectsBadInput) {
  try {
    io::save_safetensors(path("x.safetensors"), {{"w", Tensor()}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("save_safetensors"));
    EXPECT_THAT(e.what(), HasSubstr("tensor 'w' is undefined"));
  }
  try {
    io::save_safetensors(path("x.safetensors"), {{"__metadata__", ones({1})}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("'__metadata__' is reserved"));
  }
  try {
    io::save_safetensors(path("x.safetensors"), {{"bad \xff name", ones({1})}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot encode the header (names and metadata must be UTF-8)"));
  }
  const std::string missing_dir = path("no/such/dir/x.safetensors");
  try {
    io::save_safetensors(missing_dir, {{"w", ones({1})}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(missing_dir));
    EXPECT_THAT(e.what(), HasSubstr("cannot create"));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
  EXPECT_TRUE(files().empty());
}

TEST_F(SafetensorsTest, RejectsMissingAndShortFiles) {
  const std::string missing = path("missing.safetensors");
  try {
    io::load_safetensors(missing);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("load_safetensors: " + missing + ": cannot open"));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
  const std::string short_file = path("short.safetensors");
  { std::ofstream(short_file) << "abc"; }
  try {
    io::load_safetensors(short_file);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(),
                HasSubstr(short_file + ": file is 3 bytes, too short for the 8-byte header length"));
  }
  try {
    io::load_safetensors(dir_.string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("not a regular file"));
  }
}

TEST_F(SafetensorsTest, RejectsBadHeaderLength) {
  EXPECT_THAT(load_error("{}", "", 100), HasSubstr("header length 100 exceeds the 2 bytes that follow it"));
  EXPECT_THAT(load_error("{}", "", 1ll << 62),
              HasSubstr("header length 4611686018427387904 exceeds the 2 bytes that follow it"));
  // A (sparse) file big enough to hold a 101 MB header is still refused before anything is read.
  const std::string p = write_raw("{}", "", 101ll << 20);
  fs::resize_file(p, (101ull << 20) + 8);
  try {
    io::load_safetensors(p);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("exceeds the 104857600 byte limit"));
  }
}

TEST_F(SafetensorsTest, RejectsInvalidJson) {
  EXPECT_THAT(load_error(R"({"a": {"dtype": "F32",)"), HasSubstr("invalid JSON header"));
  EXPECT_THAT(load_error(R"([1, 2])"), HasSubstr("invalid JSON header: it must start with '{'"));
  EXPECT_THAT(load_error(""), HasSubstr("invalid JSON header"));
  EXPECT_THAT(load_error(R"({"a": 1} trailing)"), HasSubstr("invalid JSON header"));
  EXPECT_THAT(load_error(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                         R"("a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                         "xy"),
              HasSubstr("duplicate key 'a' in the header"));
}

TEST_F(SafetensorsTest, RejectsBadMetadata) {
  EXPECT_THAT(load_error(R"({"__metadata__": [1]})"),
              HasSubstr("'__metadata__' must be an object, got array"));
  EXPECT_THAT(load_error(R"({"__metadata__": {"epoch": 3}})"),
              HasSubstr("'__metadata__' value of 'epoch' must be a string, got number"));
}

TEST_F(SafetensorsTest, RejectsBadFields) {
  EXPECT_THAT(load_error(R"({"w": [1]})"), HasSubstr("tensor 'w': entry must be an object, got array"));
  EXPECT_THAT(load_error(R"({"w": {"shape": [1], "data_offsets": [0, 4]}})", "abcd"),
              HasSubstr("tensor 'w': missing field 'dtype'"));
  EXPECT_THAT(load_error(R"({"w": {"dtype": 4, "shape": [1], "data_offsets": [0, 4]}})", "abcd"),
              HasSubstr("tensor 'w': field 'dtype' must be a string, got number"));
  EXPECT_THAT(load_error(R"({"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}})", "ab"),
              HasSubstr("tensor 'w': unsupported dtype 'F8_E4M3' (strata reads F32, F64, I64, U8, BF16, F16, "
                        "I32, I8 and BOOL)"));
  EXPECT_THAT(load_error(R"({"w": {"dtype": "F32", "data_offsets": [0, 4]}})", "abcd"),
              HasSubstr("tensor 'w': missing field 'shape'"));
  EXPECT_THAT(load_error(R"({"w": {"dtype": "F32", "shape": 1, "data_offsets": [0, 4]}})", "abcd"),
              HasSubstr("tensor 'w': field 'shape' must be an array, got number"));
  EXPECT_THAT(load_error(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", "abcd"),
              HasSubstr("tensor 'w': field 'shape' must hold non-negative integers, got [-1]"));
  EXPECT_THAT(load_error(R"({"w": {"dtype": "F32", "shape": [1.0], "data_offsets": [0, 4]}})", "abcd"),
              HasSubstr("field 'shape' must hold non-negative integers"));
  EXPECT_THAT(
      load_error(R"({"w": {"dtype": "U8", "shape": [1,1,1,1,1,1,1,1,1], "data_offsets": [0, 1]}})", "a"),
      HasSubstr("tensor 'w': shape has 9 dims, strata supports at most 8"));
  EXPECT_THAT(
      load_error(R"({"w": {"dtype": "U8", "shape": [4294967296, 4294967296], "data_offsets": [0, 1]}})", "a"),
      HasSubstr("tensor 'w': shape [4294967296,4294967296] is too large"));
  EXPECT_THAT(load_error(R"({"w": {"dtype": "F32", "shape": [1]}})", "abcd"),
              HasSubstr("tensor 'w': missing field 'data_offsets'"));
  EXPECT_THAT(load_error(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", "abcd"),
              HasSubstr("tensor 'w': field 'data_offsets' must be two non-negative integers, got [0]"));
  EXPECT_THAT(load_error(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, "4"]}})", "abcd"),
              HasSubstr("field 'data_offsets' must be two non-negative integers"));
  EXPECT_THAT(load_error(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}})", "abcd"),
              HasSubstr("tensor 'w': data_offsets [4,0] end before they begin"));
}

TEST_F(SafetensorsTest, RejectsBadOffsets) {
  EXPECT_THAT(load_error(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})", "abcd"),
              HasSubstr("tensor 'w': data_offsets [0,4] span 4 bytes but F32 of shape [2] needs 8"));
  EXPECT_THAT(load_error(R"({"w": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 4]}})", "abcd"),
              HasSubstr("span 4 bytes but BF16 of shape [3] needs 6"));
  EXPECT_THAT(load_error(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", "abcd"),
              HasSubstr("tensor 'w': data_offsets [0, 8] run past the 4 data bytes in the file"));
  EXPECT_THAT(load_error(R"({"a": {"dtype": "U8", "shape": [3], "data_offsets": [0, 3]},)"
                         R"( "b": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]}})",
                         "abcd"),
              HasSubstr("tensor 'b': data_offsets [2, 4] overlap tensor 'a'"));
  EXPECT_THAT(load_error(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},)"
                         R"( "b": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]}})",
                         "abcd"),
              HasSubstr("tensor 'b': data_offsets [2, 4] leave a gap at bytes [1, 2)"));
  EXPECT_THAT(load_error(R"({"a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}})", "abcd"),
              HasSubstr("2 trailing bytes after the last tensor (data ends at 2, file data is 4 bytes)"));
  EXPECT_THAT(load_error("{}", "x"), HasSubstr("1 trailing bytes after the last tensor"));
}

}  // namespace
}  // namespace strata
