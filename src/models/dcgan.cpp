#include "strata/models/dcgan.h"

#include <filesystem>

#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"
#include "strata/data/image/grid.h"
#include "strata/nn/activation.h"
#include "strata/nn/conv.h"
#include "strata/nn/init.h"
#include "strata/nn/linear.h"
#include "strata/nn/normalization.h"
#include "strata/ops/activation.h"
#include "strata/ops/elementwise.h"
#include "strata/ops/indexing.h"
#include "strata/ops/loss.h"
#include "strata/ops/reduction.h"
#include "strata/ops/view.h"
#include "strata/optim/adam.h"

namespace strata::models {
namespace {

constexpr int64_t kSide = 28;  // image side
constexpr int64_t kSeed = 7;   // the 7x7 map the generator starts from

void check_options(const DCGANOptions& o, const char* who) {
  STRATA_CHECK(o.latent_dim > 0, "{}: latent_dim must be positive, got {}", who, o.latent_dim);
  STRATA_CHECK(o.num_classes >= 0, "{}: num_classes must be >= 0 (0: unconditional), got {}", who,
               o.num_classes);
  STRATA_CHECK(o.channels > 0 && o.width > 0, "{}: channels and width must be positive, got {} and {}", who,
               o.channels, o.width);
  STRATA_CHECK(o.num_classes == 0 || o.embed_dim > 0, "{}: embed_dim must be positive, got {}", who,
               o.embed_dim);
}

}  // namespace

Tensor class_labels(const Tensor& target, int64_t num_classes, const char* who) {
  STRATA_CHECK(target.defined() && target.dim() == 1 && target.dtype() == kInt64,
               "{}: a conditional model needs i64 class labels of shape [N] as targets, got {}", who,
               target.defined() ? fmt::format("{} {}", target.shape().str(), dtype_name(target.dtype()))
                                : std::string("none"));
  const Tensor flat = target.contiguous();
  const int64_t* p = flat.data_ptr<int64_t>();
  for (int64_t i = 0; i < flat.numel(); ++i) {
    STRATA_CHECK(p[i] >= 0 && p[i] < num_classes, "{}: label {} at {} is outside 0..{}", who, p[i], i,
                 num_classes - 1);
  }
  return flat;
}

DCGANGeneratorImpl::DCGANGeneratorImpl(const DCGANOptions& o) : nn::Module("DCGANGenerator"), options(o) {
  check_options(o, "DCGANGenerator");
  const int64_t w = o.width, in = o.latent_dim + (o.num_classes > 0 ? o.embed_dim : 0);
  if (o.num_classes > 0) {
    label_embedding = register_module("label_embedding", nn::Embedding(o.num_classes, o.embed_dim).ptr());
  }
  project = register_module("project", nn::Sequential(nn::Linear(in, 2 * w * kSeed * kSeed, /*bias=*/false),
                                                      nn::BatchNorm1d(2 * w * kSeed * kSeed), nn::ReLU())
                                           .ptr());
  main = register_module(
      "main", nn::Sequential(nn::ConvTranspose2d(2 * w, w, 4, {.stride = 2, .padding = 1, .bias = false}),
                             nn::BatchNorm2d(w), nn::ReLU(),
                             nn::ConvTranspose2d(w, o.channels, 4, {.stride = 2, .padding = 1}), nn::Tanh())
                  .ptr());
  dcgan_init_(*this);
}

Tensor DCGANGeneratorImpl::forward(const Tensor& z) {
  STRATA_CHECK(options.num_classes == 0, "DCGANGenerator: conditional on {} classes; call forward(z, labels)",
               options.num_classes);
  return forward(z, Tensor());
}

Tensor DCGANGeneratorImpl::forward(const Tensor& z, const Tensor& labels) {
  STRATA_CHECK(z.dim() == 2 && z.size(1) == options.latent_dim,
               "DCGANGenerator: expected latents of shape [N, {}], got {}", options.latent_dim,
               z.shape().str());
  Tensor in = z;
  if (label_embedding) {
    STRATA_CHECK(labels.defined() && labels.dim() == 1 && labels.size(0) == z.size(0),
                 "DCGANGenerator: expected labels of shape [{}], got {}", z.size(0),
                 labels.defined() ? labels.shape().str() : std::string("none"));
    in = ops::cat({z, label_embedding->forward(labels)}, 1);
  }
  const Tensor h = project->forward(in).reshape({z.size(0), 2 * options.width, kSeed, kSeed});
  return main->forward(h);
}

DCGANDiscriminatorImpl::DCGANDiscriminatorImpl(const DCGANOptions& o)
    : nn::Module(o.batch_norm_discriminator ? "DCGANDiscriminator" : "WGANCritic"), options(o) {
  check_options(o, "DCGANDiscriminator");
  const int64_t w = o.width, in = o.channels + (o.num_classes > 0 ? 1 : 0);
  if (o.num_classes > 0) {
    label_embedding = register_module("label_embedding", nn::Embedding(o.num_classes, kSide * kSide).ptr());
  }
  const bool bn = o.batch_norm_discriminator;
  nn::Sequential seq(nn::Conv2d(in, w, 4, {.stride = 2, .padding = 1}), nn::LeakyReLU(0.2),
                     nn::Conv2d(w, 2 * w, 4, {.stride = 2, .padding = 1, .bias = !bn}));
  if (bn) seq->push_back(nn::BatchNorm2d(2 * w).ptr());
  seq->push_back(nn::LeakyReLU(0.2).ptr());
  seq->push_back(nn::Flatten().ptr());
  seq->push_back(nn::Linear(2 * w * kSeed * kSeed, 1).ptr());
  main = register_module("main", seq.ptr());
  dcgan_init_(*this);
}

Tensor DCGANDiscriminatorImpl::forward(const Tensor& x) {
  STRATA_CHECK(options.num_classes == 0,
               "DCGANDiscriminator: conditional on {} classes; call forward(x, labels)", options.num_classes);
  return forward(x, Tensor());
}

Tensor DCGANDiscriminatorImpl::forward(const Tensor& x, const Tensor& labels) {
  STRATA_CHECK(x.dim() == 4 && x.size(1) == options.channels && x.size(2) == kSide && x.size(3) == kSide,
               "{}: expected images of shape [N, {}, {}, {}], got {}", type_name(), options.channels, kSide,
               kSide, x.shape().str());
  Tensor in = x;
  if (label_embedding) {
    STRATA_CHECK(labels.defined() && labels.dim() == 1 && labels.size(0) == x.size(0),
                 "{}: expected labels of shape [{}], got {}", type_name(), x.size(0),
                 labels.defined() ? labels.shape().str() : std::string("none"));
    const Tensor plane = label_embedding->forward(labels).reshape({x.size(0), 1, kSide, kSide});
    in = ops::cat({x, plane.to(x.dtype())}, 1);
  }
  return main->forward(in).reshape({x.size(0)});
}

void dcgan_init_(nn::Module& module, Generator* generator) {
  NoGradGuard no_grad;
  for (auto& [name, m] : module.named_modules()) {
    const std::string& type = m->type_name();
    for (auto& [pname, p] : m->named_parameters(/*recurse=*/false)) {
      Tensor t = p;
      if (pname == "bias") {
        nn::init::zeros_(t);
      } else if (type == "BatchNorm1d" || type == "BatchNorm2d") {
        nn::init::normal_(t, 1.0, 0.02, generator);
      } else if (type == "Conv2d" || type == "ConvTranspose2d" || type == "Linear") {
        nn::init::normal_(t, 0.0, 0.02, generator);
      }
    }
  }
}

void save_epoch_samples(GenerativeModel& model, int epoch, const std::string& out_dir) {
  if (out_dir.empty()) return;
  Generator fixed(0);
  const int64_t classes = model.num_classes();
  const int64_t rows = classes > 0 ? std::min<int64_t>(classes, 10) : 8, cols = 8, n = rows * cols;
  Tensor labels;
  if (classes > 0) {
    std::vector<int64_t> l(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) l[static_cast<size_t>(i)] = i / cols;
    labels = from_vector<int64_t>(l, {n});
  }
  const Tensor images = model.sample(n, labels, fixed);
  std::vector<Tensor> cells;
  for (int64_t i = 0; i < n; ++i) cells.push_back(images.select(0, i));
  std::filesystem::create_directories(out_dir);
  data::image::save_grid(fmt::format("{}/samples_epoch_{:03d}.png", out_dir, epoch), cells, cols,
                         {.padding = 2, .pad_value = 1.0, .scale = 2});
}

DCGAN::DCGAN(const DCGANOptions& options) : train::TrainingModule("DCGAN"), options_(options) {
  check_options(options, "DCGAN");
  generator = register_module("generator", std::make_shared<DCGANGeneratorImpl>(options));
  discriminator = register_module("discriminator", std::make_shared<DCGANDiscriminatorImpl>(options));
}

std::vector<std::shared_ptr<optim::Optimizer>> DCGAN::configure_optimizers() {
  const train::OptimizerFactory adam = [o = options_](const std::vector<Tensor>& params) {
    return std::make_shared<optim::Adam>(params, optim::AdamOptions{.lr = o.lr, .betas = {o.beta1, o.beta2}});
  };
  return {make_optimizer("discriminator", discriminator->parameters(), adam),
          make_optimizer("generator", generator->parameters(), adam)};
}

NoParameterGrads::NoParameterGrads(nn::Module& module) : params_(module.parameters()) {
  for (Tensor& p : params_) p.requires_grad_(false);
}

NoParameterGrads::~NoParameterGrads() {
  for (Tensor& p : params_) p.requires_grad_(true);
}

void DCGAN::training_step(const data::Batch& batch, train::StepContext& ctx) {
  const Tensor real = batch.input;
  const int64_t n = real.size(0);
  const Tensor labels =
      options_.num_classes > 0 ? class_labels(batch.target, options_.num_classes, "DCGAN") : Tensor();
  const Tensor z = randn({n, options_.latent_dim}, {}, &ctx.generator());
  const Tensor fake = generator->forward(z, labels);
  const Tensor ones_n = ones({n}), zeros_n = zeros({n});

  optim::Optimizer& opt_d = ctx.optimizer(0);
  opt_d.zero_grad();
  const Tensor d_real = discriminator->forward(real, labels);
  const Tensor d_fake = discriminator->forward(fake.detach(), labels);
  Tensor d_loss = ops::binary_cross_entropy_with_logits(d_real, ones_n) +
                  ops::binary_cross_entropy_with_logits(d_fake, zeros_n);
  d_loss.backward();
  opt_d.step();

  optim::Optimizer& opt_g = ctx.optimizer(1);
  opt_g.zero_grad();
  Tensor g_loss;
  {
    const NoParameterGrads frozen(*discriminator);
    g_loss = ops::binary_cross_entropy_with_logits(discriminator->forward(fake, labels), ones_n);
    g_loss.backward();
  }
  opt_g.step();

  ctx.log("d_loss", d_loss.item());
  ctx.log("g_loss", g_loss.item());
  NoGradGuard no_grad;
  ctx.log("d_real", ops::mean(ops::sigmoid(d_real)).item());
  ctx.log("d_fake", ops::mean(ops::sigmoid(d_fake)).item());
}

void DCGAN::on_epoch_end(int epoch, const std::string& out_dir) { save_epoch_samples(*this, epoch, out_dir); }

Tensor DCGAN::decode(const Tensor& z, const Tensor& labels) {
  NoGradGuard no_grad;
  const bool was_training = generator->is_training();
  generator->eval();
  const Tensor labels_in =
      options_.num_classes > 0 ? class_labels(labels, options_.num_classes, "DCGAN::decode") : Tensor();
  const Tensor images = generator->forward(z, labels_in);
  generator->train(was_training);
  return ops::clamp(ops::mul(ops::add(images, 1.0), 0.5), 0.0, 1.0);
}

}  // namespace strata::models
