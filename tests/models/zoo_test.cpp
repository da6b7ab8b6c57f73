// The zoo registry: every name builds its model with the options that apply to it, and unknown names and
// bad options raise errors naming the known models or the model.
#include "strata/models/zoo.h"

#include <gmock/gmock.h>

#include "strata/models.h"
#include "strata/nn/dropout.h"
#include "test_util.h"

namespace strata::models {
namespace {

using testing::error_of;
using ::testing::HasSubstr;

TEST(Zoo, NamesEveryModel) {
  EXPECT_EQ(zoo_names(), (std::vector<std::string>{"mlp",
                                                   "lenet5",
                                                   "resnet18",
                                                   "resnet34",
                                                   "resnet50",
                                                   "resnet20",
                                                   "resnet32",
                                                   "resnet56",
                                                   "mobilenet_v2",
                                                   "vgg11",
                                                   "vgg11_bn",
                                                   "bert_mlm",
                                                   "bert_classifier",
                                                   "gpt",
                                                   "transformer_seq2seq",
                                                   "dcgan",
                                                   "cgan",
                                                   "wgan_gp",
                                                   "fid_fmnist_cnn",
                                                   "vae",
                                                   "centernet",
                                                   "unet"}));
  for (const std::string& name : zoo_names()) EXPECT_FALSE(zoo_description(name).empty()) << name;
  EXPECT_THAT(zoo_description("resnet20"), HasSubstr("32x32"));
}

TEST(Zoo, EveryModelClassifiesItsInputs) {
  // Each model on an input it suits, with the default 10 classes.
  const std::vector<std::pair<std::string, Shape>> inputs = {
      {"mlp", {2, 1, 28, 28}},      {"lenet5", {2, 1, 28, 28}},   {"resnet18", {1, 3, 64, 64}},
      {"resnet34", {1, 3, 64, 64}}, {"resnet50", {1, 3, 64, 64}}, {"resnet20", {2, 3, 32, 32}},
      {"resnet32", {2, 3, 32, 32}}, {"resnet56", {1, 3, 32, 32}}, {"mobilenet_v2", {1, 3, 32, 32}},
      {"vgg11", {1, 3, 32, 32}},    {"vgg11_bn", {1, 3, 32, 32}}, {"fid_fmnist_cnn", {2, 1, 28, 28}}};
  // + the text models (below; transformer_seq2seq in its own file), the generative training modules (below)
  // and the detector and segmenter (centernet_test.cpp, unet_test.cpp).
  ASSERT_EQ(inputs.size() + 4 + 4 + 2, zoo_names().size());
  ZooOptions options;
  options.classifier_width = 64;
  options.pool_size = 1;
  for (const auto& [name, shape] : inputs) {
    SCOPED_TRACE(name);
    auto net = create(name, options);
    net->eval();
    NoGradGuard no_grad;
    EXPECT_EQ(net->forward(randn(shape)).shape(), (Shape{shape[0], 10}));
  }
}

TEST(Zoo, GenerativeModelsAreTrainingModules) {
  ZooOptions o;
  o.latent_dim = 8;
  o.gan_width = 4;
  for (const std::string name : {"dcgan", "cgan", "wgan_gp", "vae"}) {
    SCOPED_TRACE(name);
    auto net = create(name, o);
    auto* gm = dynamic_cast<GenerativeModel*>(net.get());
    ASSERT_NE(gm, nullptr);
    EXPECT_NE(dynamic_cast<train::TrainingModule*>(net.get()), nullptr);
    EXPECT_EQ(gm->latent_dim(), 8);
    EXPECT_EQ(gm->num_classes(), name == "cgan" ? 10 : 0);
    Generator g(1);
    const Tensor labels = name == "cgan" ? from_vector<int64_t>({0, 9}, {2}) : Tensor();
    EXPECT_EQ(gm->sample(2, labels, g).shape(), (Shape{2, 1, 28, 28}));
  }
  o.num_classes = 0;
  EXPECT_THAT(error_of([&] { create("cgan", o); }), HasSubstr("cgan: num_classes must be positive"));
}

TEST(Zoo, TextModelsTakeTokenIds) {
  ZooOptions o;
  o.vocab_size = 30;
  o.d_model = 16;
  o.nhead = 2;
  o.max_positions = 8;
  o.num_classes = 2;
  const Tensor ids = from_vector<int64_t>({3, 4, 5, 0, 6, 7, 0, 0}, Shape{2, 4});
  NoGradGuard no_grad;
  EXPECT_EQ(create("bert_mlm", o)->forward(ids).shape(), (Shape{8, 30}));
  EXPECT_EQ(create("bert_classifier", o)->forward(ids).shape(), (Shape{2, 2}));
  // 2 layers of 4 x 16 feed-forward by default; the classifier has no masked-LM head.
  EXPECT_EQ(create("bert_mlm", o)->num_parameters() - create("bert_classifier", o)->num_parameters(),
            16 * 16 + 16 + 2 * 16 + 30 - (16 * 2 + 2));
  o.vocab_size = 0;
  EXPECT_THAT(error_of([&] { create("bert_mlm", o); }), HasSubstr("vocab_size"));
}

TEST(Zoo, GptModelsTokenSequences) {
  ZooOptions options;
  options.vocab_size = 20;
  options.block_size = 16;
  options.n_layer = 2;
  options.n_head = 2;
  options.n_embd = 8;
  auto net = create("gpt", options);
  auto gpt = std::dynamic_pointer_cast<GPTImpl>(net);
  ASSERT_TRUE(gpt);
  EXPECT_EQ(gpt->config.block_size, 16);
  EXPECT_EQ(gpt->config.dropout, 0.0);
  NoGradGuard no_grad;
  EXPECT_EQ(net->forward(zeros({3, 5}, {.dtype = kInt64})).shape(), (Shape{3, 5, 20}));
  // wte, wpe, ln_f and per block two LayerNorms, c_attn, c_proj, c_fc, c_proj (weights and biases).
  const int64_t c = 8;
  EXPECT_EQ(
      net->num_parameters(),
      20 * c + 16 * c + 2 * c + 2 * (4 * c + (3 * c * c + 3 * c) + (c * c + c) + 2 * (4 * c * c) + 5 * c));
  options.bias = false;
  options.dropout = 0.1;
  gpt = std::dynamic_pointer_cast<GPTImpl>(create("gpt", options));
  EXPECT_EQ(gpt->config.dropout, 0.1);
  EXPECT_TRUE(gpt->parameter_names("*bias").empty());
  options.n_head = 3;
  EXPECT_THAT(error_of([&] { create("gpt", options); }),
              HasSubstr("n_embd (8) must be divisible by n_head (3)"));
}

TEST(Zoo, OptionsReachTheModels) {
  EXPECT_EQ(create("resnet18", {.num_classes = 1000})->num_parameters(), 11'689'512);
  EXPECT_EQ(create("mobilenet_v2", {.num_classes = 1000})->num_parameters(), 3'504'872);
  EXPECT_EQ(create("resnet20")->num_parameters(), resnet20()->num_parameters());
  // in_channels: 1 by default for lenet5, 3 for the others.
  EXPECT_EQ(create("lenet5")->num_parameters(), lenet5(10)->num_parameters());
  EXPECT_EQ(create("lenet5", {.in_channels = 3})->num_parameters(), lenet5(10, 3)->num_parameters());
  EXPECT_EQ(create("resnet20", {.in_channels = 1})->num_parameters(),
            resnet20({.num_classes = 10, .in_channels = 1})->num_parameters());
  // mlp: in_features -> hidden_sizes -> num_classes.
  EXPECT_EQ(create("mlp", {.num_classes = 3, .in_features = 4, .hidden_sizes = {5}})->num_parameters(),
            4 * 5 + 5 + 5 * 3 + 3);
  ZooOptions width;
  width.width_mult = 0.25;
  EXPECT_EQ(create("mobilenet_v2", width)->num_parameters(), 250'922);
  ZooOptions dropout;
  dropout.dropout = 0.3;
  auto mobile = std::dynamic_pointer_cast<MobileNetV2Impl>(create("mobilenet_v2", dropout));
  ASSERT_TRUE(mobile);
  EXPECT_EQ(dynamic_cast<nn::DropoutImpl&>(*(*mobile->classifier)[0]).p, 0.3);
  auto zero = std::dynamic_pointer_cast<ResNetImpl>(create("resnet20", {.zero_init_residual = true}));
  ASSERT_TRUE(zero);
  auto block = std::dynamic_pointer_cast<BasicBlockImpl>((*zero->layers[0])[0]);
  EXPECT_TRUE(equal(block->bn2->weight, zeros({16})));
  ZooOptions small;
  small.classifier_width = 32;
  small.pool_size = 1;
  EXPECT_EQ(create("vgg11_bn", small)->num_parameters() - create("vgg11", small)->num_parameters(), 5504);
  // The existing functions still build what they did.
  EXPECT_EQ(models::mlp({784, 256, 128, 10})->num_parameters(), create("mlp")->num_parameters());
}

TEST(Zoo, UnknownNamesListTheKnownOnes) {
  EXPECT_EQ(
      error_of([] { create("resnet19"); }),
      "models: unknown model 'resnet19' (did you mean 'resnet18'?); known models: mlp, lenet5, resnet18, "
      "resnet34, resnet50, resnet20, resnet32, resnet56, mobilenet_v2, vgg11, vgg11_bn, bert_mlm, "
      "bert_classifier, gpt, transformer_seq2seq, dcgan, cgan, wgan_gp, fid_fmnist_cnn, vae, centernet, "
      "unet");
  EXPECT_THAT(error_of([] { create("mobilenetv2"); }), HasSubstr("(did you mean 'mobilenet_v2'?)"));
  EXPECT_THAT(error_of([] { create("transformer"); }),
              ::testing::AllOf(HasSubstr("unknown model 'transformer'; known models: mlp,"),
                               ::testing::Not(HasSubstr("did you mean"))));
  EXPECT_THAT(error_of([] { zoo_description("vgg"); }), HasSubstr("unknown model 'vgg'"));
}

TEST(Zoo, BadOptionsNameTheModel) {
  EXPECT_EQ(error_of([] { create("resnet50", {.num_classes = 0}); }),
            "resnet50: num_classes must be positive, got 0");
  EXPECT_EQ(error_of([] { create("lenet5", {.in_channels = 0}); }),
            "lenet5: in_channels must be positive, got 0");
  EXPECT_EQ(error_of([] { create("mlp", {.hidden_sizes = {0}}); }),
            "mlp: in_features, hidden_sizes and num_classes must be positive, got 784, 0, 10");
  ZooOptions bad;
  bad.width_mult = -1;
  EXPECT_EQ(error_of([&] { create("mobilenet_v2", bad); }),
            "mobilenet_v2: width_mult must be positive, got -1");
  bad = {};
  bad.dropout = 2.0;
  EXPECT_EQ(error_of([&] { create("vgg11", bad); }), "vgg11: dropout must be in [0, 1], got 2");
}

}  // namespace
}  // namespace strata::models
