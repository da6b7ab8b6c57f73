// models::FidFmnist and its network: shapes and names, scoring real against noise, class accuracy, bad input.
// The scorer is exercised with a checkpoint written here (untrained weights); the recipe's trained checkpoint
// (scripts/train-fid-classifier) gives the documented numbers.
#include "strata/models/fid_fmnist.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "strata/data/mnist.h"
#include "strata/io/safetensors.h"
#include "strata/models/zoo.h"
#include "strata/strata.h"
#include "temp_path.h"
#include "test_util.h"

namespace strata::models {
namespace {

namespace fs = std::filesystem;

// A plain state dict of a seeded, untrained FidFmnistNet, written once per process.
const std::string& checkpoint() {
  static const std::string path = [] {
    manual_seed(0);
    FidFmnistNet net;
    const std::string p = testing::unique_temp_path("fid_fmnist_test", ".safetensors").string();
    io::save_safetensors(p, net->state_dict());
    return p;
  }();
  return path;
}

// The scorer over that checkpoint, built once (it featurises the 10,000 test images).
FidFmnist& scorer() {
  static FidFmnist fid(checkpoint());
  return fid;
}

TEST(FidFmnistNet, ShapesNamesAndZoo) {
  FidFmnistNet net;
  const Tensor x = zeros({3, 1, 28, 28});
  EXPECT_EQ(net->forward(x).shape(), (Shape{3, 10}));
  EXPECT_EQ(net->features_of(x).shape(), (Shape{3, FidFmnistNetImpl::kFeatures}));
  std::vector<std::string> names;
  for (const auto& [name, p] : net->named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"features.0.weight", "features.0.bias", "features.3.weight",
                                             "features.3.bias", "features.7.weight", "features.7.bias",
                                             "classifier.weight", "classifier.bias"}));
  const auto zoo = create("fid_fmnist_cnn");
  EXPECT_EQ(zoo->num_parameters(), net->num_parameters());
  EXPECT_ERROR_CONTAINS(net->forward(zeros({2, 3, 28, 28})), "fid_fmnist_cnn", "[2, 3, 28, 28]");
}

TEST(FidFmnist, RealImagesScoreFarBelowNoise) {
  FidFmnist& fid = scorer();
  EXPECT_EQ(fid.reference().count, 10000);
  EXPECT_EQ(fid.reference().dim, FidFmnistNetImpl::kFeatures);
  EXPECT_GE(fid.test_accuracy(), 0.0);
  const data::FashionMNIST train(true);
  const Tensor real = train.inputs().slice(0, 0, 1000);
  Generator g(1);
  const Tensor noise = rand({1000, 1, 28, 28}, {}, &g);
  const double fid_real = fid.score(real), fid_noise = fid.score(noise);
  EXPECT_GE(fid_real, 0.0);
  EXPECT_GT(fid_noise, 10 * fid_real) << "real " << fid_real << ", noise " << fid_noise;
  // Features are deterministic and batch-independent.
  const Tensor a = fid.features(real.slice(0, 0, 700));
  const Tensor b = fid.features(real.slice(0, 0, 3));
  const auto va = a.slice(0, 0, 3).contiguous().to_vector<float>(), vb = b.to_vector<float>();
  ASSERT_EQ(va.size(), vb.size());
  for (size_t i = 0; i < va.size(); ++i) EXPECT_NEAR(va[i], vb[i], 1e-4 * (1 + std::abs(vb[i])));
}

TEST(FidFmnist, ClassAccuracyCountsMatches) {
  FidFmnist& fid = scorer();
  const data::FashionMNIST test(false);
  const Tensor images = test.inputs().slice(0, 0, 100);
  const Tensor predicted = fid.predict(images);
  EXPECT_EQ(predicted.shape(), (Shape{100}));
  EXPECT_DOUBLE_EQ(fid.class_accuracy(images, predicted), 1.0);
  std::vector<int64_t> wrong = predicted.to_vector<int64_t>();
  for (auto& k : wrong) k = (k + 1) % 10;
  EXPECT_DOUBLE_EQ(fid.class_accuracy(images, from_vector(wrong)), 0.0);
}

TEST(FidFmnist, BadInputRaisesClearErrors) {
  EXPECT_ERROR_CONTAINS(FidFmnist("/nonexistent/classifier.safetensors"),
                        "/nonexistent/classifier.safetensors", "scripts/train-fid-classifier");
  FidFmnist& fid = scorer();
  EXPECT_ERROR_CONTAINS(fid.score(full({4, 1, 28, 28}, -1.0)), "[0, 1]", "(x + 1) / 2");
  EXPECT_ERROR_CONTAINS(fid.score(zeros({4, 1, 32, 32})), "[N, 1, 28, 28]", "[4, 1, 32, 32]");
  EXPECT_ERROR_CONTAINS(fid.score(zeros({1, 1, 28, 28})), "at least 2");
  EXPECT_ERROR_CONTAINS(fid.class_accuracy(zeros({4, 1, 28, 28}), zeros({3}, {.dtype = kInt64})),
                        "labels [3]");
  const std::string wrong = testing::unique_temp_path("fid_fmnist_wrong", ".safetensors").string();
  io::save_safetensors(wrong, {{"weight", zeros({2, 2})}});
  EXPECT_ERROR_CONTAINS(FidFmnist{wrong}, wrong, "configs/fid_fmnist_classifier.yaml");
}

}  // namespace
}  // namespace strata::models
