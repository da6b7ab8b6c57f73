#include "strata/models/zoo.h"

#include <fmt/ranges.h>

#include <functional>

#include "strata/core/did_you_mean.h"
#include "strata/models/bert.h"
#include "strata/models/centernet.h"
#include "strata/models/dcgan.h"
#include "strata/models/fid_fmnist.h"
#include "strata/models/gpt.h"
#include "strata/models/lenet.h"
#include "strata/models/mlp.h"
#include "strata/models/mobilenet_v2.h"
#include "strata/models/resnet.h"
#include "strata/models/segmenter.h"
#include "strata/models/transformer_seq2seq.h"
#include "strata/models/unet.h"
#include "strata/models/vae.h"
#include "strata/models/vgg.h"
#include "strata/models/wgan_gp.h"

namespace strata::models {
namespace {

struct Entry {
  std::string name;
  std::string description;
  std::function<std::shared_ptr<nn::Module>(const ZooOptions&)> make;
};

ResNetOptions resnet_options(const ZooOptions& o) {
  return {.num_classes = o.num_classes,
          .in_channels = o.in_channels.value_or(3),
          .zero_init_residual = o.zero_init_residual};
}

VGGOptions vgg_options(const ZooOptions& o) {
  return {.num_classes = o.num_classes,
          .in_channels = o.in_channels.value_or(3),
          .classifier_width = o.classifier_width,
          .pool_size = o.pool_size,
          .dropout = o.dropout.value_or(0.5)};
}

BertOptions bert_options(const ZooOptions& o) {
  return {.vocab_size = o.vocab_size,
          .hidden_size = o.d_model,
          .num_layers = o.num_encoder_layers,
          .num_heads = o.nhead,
          .intermediate_size = o.dim_feedforward,
          .max_positions = o.max_positions,
          .dropout = o.dropout.value_or(0.1),
          .pad_id = o.pad_id,
          .num_classes = o.num_classes,
          .pooling = o.pooling};
}

template <typename F>
Entry resnet(std::string name, std::string description, F f) {
  return {std::move(name), std::move(description),
          [f](const ZooOptions& o) -> std::shared_ptr<nn::Module> { return f(resnet_options(o)).ptr(); }};
}

const std::vector<Entry>& table() {
  static const std::vector<Entry> entries = {
      {"mlp", "multi-layer perceptron over flattened inputs (in_features, hidden_sizes, dropout)",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         std::vector<int64_t> sizes = {o.in_features};
         sizes.insert(sizes.end(), o.hidden_sizes.begin(), o.hidden_sizes.end());
         sizes.push_back(o.num_classes);
         for (int64_t s : sizes)
           STRATA_CHECK(s > 0, "mlp: in_features, hidden_sizes and num_classes must be positive, got {}",
                        fmt::join(sizes, ", "));
         return mlp(sizes, o.dropout.value_or(0.0)).ptr();
       }},
      {"lenet5", "LeNet-5 for 28x28 images (1 channel by default)",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         return lenet5(o.num_classes, o.in_channels.value_or(1)).ptr();
       }},
      resnet("resnet18", "ImageNet-style ResNet-18 (BasicBlocks 2-2-2-2), for 64x64 images and up", resnet18),
      resnet("resnet34", "ImageNet-style ResNet-34 (BasicBlocks 3-4-6-3), for 64x64 images and up", resnet34),
      resnet("resnet50", "ImageNet-style ResNet-50 (Bottlenecks 3-4-6-3), for 64x64 images and up", resnet50),
      resnet("resnet20",
             "CIFAR-style ResNet-20 (16-32-64 channels, 0.27M parameters), for 28x28 and 32x32 images",
             resnet20),
      resnet("resnet32", "CIFAR-style ResNet-32 (16-32-64 channels), for 28x28 and 32x32 images", resnet32),
      resnet("resnet56", "CIFAR-style ResNet-56 (16-32-64 channels), for 28x28 and 32x32 images", resnet56),
      {"mobilenet_v2", "MobileNetV2 (width_mult, round_nearest, dropout), for 32x32 images and up",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         return mobilenet_v2({.num_classes = o.num_classes,
                              .width_mult = o.width_mult,
                              .in_channels = o.in_channels.value_or(3),
                              .dropout = o.dropout.value_or(0.2),
                              .round_nearest = o.round_nearest})
             .ptr();
       }},
      {"vgg11", "VGG-11 (classifier_width, pool_size, dropout), for 32x32 images and up",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> { return vgg11(vgg_options(o)).ptr(); }},
      {"vgg11_bn", "VGG-11 with BatchNorm (classifier_width, pool_size, dropout), for 32x32 images and up",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> { return vgg11_bn(vgg_options(o)).ptr(); }},
      {"bert_mlm",
       "BERT-style encoder with the masked-LM head: i64 token ids [B, T] -> logits [B * T, vocab_size] "
       "(vocab_size, d_model, nhead, num_encoder_layers, dim_feedforward, max_positions, pad_id, dropout)",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         return BertForMaskedLM(bert_options(o)).ptr();
       }},
      {"bert_classifier",
       "BERT-style encoder with a classifier over the pooled tokens: i64 token ids [B, T] -> logits "
       "[B, classes] (the bert_mlm options, and pooling: mean | first)",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         return BertForSequenceClassification(bert_options(o)).ptr();
       }},
      {"gpt",
       "GPT decoder-only language model on token ids [B, T] -> logits [B, T, vocab_size] (vocab_size; "
       "block_size, n_layer, n_head, n_embd, dropout, bias)",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         return gpt({.vocab_size = o.vocab_size,
                     .block_size = o.block_size,
                     .n_layer = o.n_layer,
                     .n_head = o.n_head,
                     .n_embd = o.n_embd,
                     .dropout = o.dropout.value_or(0.0),
                     .bias = o.bias})
             .ptr();
       }},
      {"transformer_seq2seq",
       "Transformer encoder-decoder for translation over one shared token vocabulary (vocab_size, d_model, "
       "nhead, num_encoder_layers, num_decoder_layers, dim_feedforward, dropout)",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         return TransformerSeq2Seq(TransformerSeq2SeqOptions{.src_vocab_size = o.vocab_size,
                                                             .d_model = o.d_model,
                                                             .nhead = o.nhead,
                                                             .num_encoder_layers = o.num_encoder_layers,
                                                             .num_decoder_layers = o.num_decoder_layers,
                                                             .dim_feedforward = o.dim_feedforward > 0
                                                                                    ? o.dim_feedforward
                                                                                    : 4 * o.d_model,
                                                             .dropout = o.dropout.value_or(0.1),
                                                             .max_positions = o.max_positions,
                                                             .pad_id = o.pad_id})
             .ptr();
       }},
      {"dcgan",
       "DCGAN for 28x28 images, a training module (latent_dim, gan_width, in_channels): ConvTranspose2d "
       "generator, strided Conv2d + LeakyReLU discriminator, non-saturating loss",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         return std::make_shared<DCGAN>(DCGANOptions{
             .latent_dim = o.latent_dim, .channels = o.in_channels.value_or(1), .width = o.gan_width});
       }},
      {"cgan",
       "conditional DCGAN for 28x28 images, a training module (latent_dim, gan_width, num_classes, "
       "in_channels): "
       "a label embedding concatenated into both networks",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         STRATA_CHECK(o.num_classes > 0, "cgan: num_classes must be positive, got {}", o.num_classes);
         return std::make_shared<DCGAN>(DCGANOptions{.latent_dim = o.latent_dim,
                                                     .num_classes = o.num_classes,
                                                     .channels = o.in_channels.value_or(1),
                                                     .width = o.gan_width});
       }},
      {"wgan_gp",
       "WGAN-GP for 28x28 images, a training module (latent_dim, gan_width, lambda_gp, n_critic, "
       "in_channels): "
       "DCGAN generator, critic without BatchNorm, gradient penalty",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         return std::make_shared<WGANGP>(WGANGPOptions{.latent_dim = o.latent_dim,
                                                       .channels = o.in_channels.value_or(1),
                                                       .width = o.gan_width,
                                                       .lambda_gp = o.lambda_gp,
                                                       .n_critic = o.n_critic});
       }},
      {"fid_fmnist_cnn",
       "the FID-FMNIST feature extractor (models/fid_fmnist.h): two 3x3 convolutions with max pooling, a "
       "128-wide penultimate layer, for 28x28 images in [0, 1]",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         return FidFmnistNet(o.num_classes, o.in_channels.value_or(1)).ptr();
       }},
      {"vae",
       "convolutional VAE for 28x28 images in [0, 1], a training module (latent_dim, hidden_channels, "
       "likelihood: bernoulli | gaussian, beta, sigma, in_channels)",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         return VAE(VAEOptions{.in_channels = o.in_channels.value_or(1),
                               .latent_dim = o.latent_dim,
                               .hidden_channels = o.hidden_channels,
                               .likelihood = vae_likelihood(o.likelihood),
                               .beta = o.beta,
                               .sigma = o.sigma})
             .ptr();
       }},
      {"centernet",
       "CenterNet detector (anchor-free, ResNet backbone with stride-4 heads) for images with H, W multiples "
       "of 16, a training module (classes, hidden_channels: backbone width, in_channels)",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         return CenterNet(CenterNetOptions{.in_channels = o.in_channels.value_or(1),
                                           .num_classes = o.num_classes,
                                           .width = o.hidden_channels})
             .ptr();
       }},
      {"unet",
       "U-Net segmenter (depth 3) for images with H, W multiples of 8, trained on cross-entropy + Dice, a "
       "training module (classes including background, hidden_channels: first level's channels, in_channels)",
       [](const ZooOptions& o) -> std::shared_ptr<nn::Module> {
         auto net = UNet(UNetOptions{.in_channels = o.in_channels.value_or(1),
                                     .num_classes = o.num_classes,
                                     .base_channels = o.hidden_channels});
         return Segmenter(net.ptr(), SegmenterOptions{.num_classes = o.num_classes}).ptr();
       }},
  };
  return entries;
}

const Entry& find(const std::string& name) {
  for (const Entry& e : table()) {
    if (e.name == name) return e;
  }
  const std::vector<std::string> known = zoo_names();
  STRATA_FAIL("models: unknown model '{}'{}; known models: {}", name, did_you_mean(name, known),
              fmt::join(known, ", "));
}

}  // namespace

std::shared_ptr<nn::Module> create(const std::string& name, const ZooOptions& options) {
  return find(name).make(options);
}

std::vector<std::string> zoo_names() {
  std::vector<std::string> names;
  for (const Entry& e : table()) names.push_back(e.name);
  return names;
}

std::string zoo_description(const std::string& name) { return find(name).description; }

}  // namespace strata::models
