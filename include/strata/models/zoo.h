#pragma once
// The model zoo by name: models::create("resnet20", {.num_classes = 10}) builds any of zoo_names(), for the
// CLI's configs and for programs that pick a model at run time.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/nn/module.h"

namespace strata::models {

// Options of models::create. Each model reads the fields that apply to it (noted per field); the others
// are ignored.
struct ZooOptions {
  int64_t num_classes = 10;
  // Image channels: 1 for lenet5 and 3 for the others by default; mlp ignores it (see in_features).
  std::optional<int64_t> in_channels{};
  // mlp: default 0; mobilenet_v2: default 0.2; vgg11 / vgg11_bn: default 0.5.
  std::optional<double> dropout{};
  bool zero_init_residual = false;                 // resnet*
  double width_mult = 1.0;                         // mobilenet_v2
  int64_t round_nearest = 8;                       // mobilenet_v2
  int64_t classifier_width = 4096;                 // vgg11 / vgg11_bn (e.g. 512 for 32x32 images)
  int64_t pool_size = 7;                           // vgg11 / vgg11_bn (e.g. 1 for 32x32 images)
  int64_t in_features = 784;                       // mlp: flattened input size
  std::vector<int64_t> hidden_sizes = {256, 128};  // mlp
  // bert_mlm / bert_classifier (models/bert.h) and transformer_seq2seq (models/transformer_seq2seq.h),
  // with nn.Transformer's names; dropout default 0.1, num_classes for the classifier.
  int64_t vocab_size = 0;          // required (the CLI fills in the data's vocabulary)
  int64_t d_model = 128;           // width (BERT's hidden_size)
  int64_t nhead = 4;               // attention heads
  int64_t num_encoder_layers = 2;  // encoder layers
  int64_t num_decoder_layers = 2;  // transformer_seq2seq: decoder layers
  int64_t dim_feedforward = 0;     // feed-forward width (0: 4 x d_model)
  int64_t max_positions = 512;     // longest input
  int64_t pad_id = 0;              // padding token id (the CLI fills in the data's)
  std::string pooling = "mean";    // bert_classifier: mean | first
  // gpt: vocab_size is the vocabulary; dropout defaults to 0.
  int64_t block_size = 128;  // gpt: longest context
  int64_t n_layer = 4;       // gpt: Transformer blocks
  int64_t n_head = 4;        // gpt: attention heads
  int64_t n_embd = 128;      // gpt: model width
  bool bias = true;          // gpt: biases in the Linears and LayerNorms
  // dcgan / cgan / wgan_gp (models/dcgan.h, models/wgan_gp.h): training modules; in_channels default 1,
  // num_classes is cgan's label count.
  int64_t latent_dim = 100;  // size of the latent vector z
  int64_t gan_width = 64;    // feature maps of the first discriminator / last generator layer
  double lambda_gp = 10.0;   // wgan_gp: gradient-penalty weight
  int64_t n_critic = 5;      // wgan_gp: critic steps per generator step
  // vae (models/vae.h): a training module for 28x28 images in [0, 1]; latent_dim above (the configs set it),
  // in_channels default 1.
  int64_t hidden_channels = 32;          // vae: the first convolution's channels
  std::string likelihood = "bernoulli";  // vae: bernoulli | gaussian
  double beta = 1.0;                     // vae: weight of the KL term (beta-VAE)
  double sigma = 0.1;                    // vae: the Gaussian likelihood's pixel standard deviation
};

// Builds the zoo model `name` (one of zoo_names()); throws strata::Error naming the known models for an
// unknown name, and the model and field for a bad option.
std::shared_ptr<nn::Module> create(const std::string& name, const ZooOptions& options = {});

// The names create() accepts, in a stable order.
std::vector<std::string> zoo_names();

// One line on what the model is and which inputs it suits (for help texts); throws like create().
std::string zoo_description(const std::string& name);

}  // namespace strata::models
