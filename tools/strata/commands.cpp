#include "commands.h"

#include <stb_image.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "config.h"
#include "model_builder.h"
#include "strata/data.h"
#include "strata/io/safetensors.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"
#include "strata/train.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;

struct DatasetInfo {
  double mean, std;
  std::vector<std::string> classes;
};

DatasetInfo dataset_info(const std::string& name) {
  if (name == "mnist") return {0.1307, 0.3081, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}};
  return {0.2860, 0.3530, data::FashionMNIST::classes()};
}

// Images u8 [N, 28, 28] -> f32 [N, 1, 28, 28], scaled to [0, 1] and normalised when asked.
Tensor prepare_images(const Tensor& images, const Config& c) {
  Tensor x = images.to(kFloat32).unsqueeze(1) / 255.0;
  if (c.data.normalize) {
    const DatasetInfo info = dataset_info(c.data.dataset);
    x = (x - info.mean) / info.std;
  }
  return x;
}

std::shared_ptr<data::TensorDataset> load_split(const Config& c, bool train) {
  data::ImageSplit split = c.data.dataset == "mnist" ? data::load_mnist(train, c.data.root)
                                                     : data::load_fashion_mnist(train, c.data.root);
  const int64_t limit = train ? c.data.limit : c.data.test_limit;
  if (limit > 0 && limit < split.images.size(0)) {
    split.images = split.images.narrow(0, 0, limit);
    split.labels = split.labels.narrow(0, 0, limit);
  }
  return std::make_shared<data::TensorDataset>(prepare_images(split.images, c), split.labels);
}

train::LossFn make_loss(const Config& c) {
  if (c.loss == "cross_entropy") return nn::CrossEntropyLoss({.label_smoothing = c.label_smoothing});
  if (c.loss == "nll") return nn::NLLLoss();
  if (c.loss == "mse") return nn::MSELoss();
  return nn::L1Loss();
}

std::shared_ptr<optim::Optimizer> make_optimizer(const Config& c, const std::vector<Tensor>& params) {
  const OptimizerConfig& o = c.optimizer;
  if (o.name == "sgd") {
    return std::make_shared<optim::SGD>(
        params, optim::SGDOptions{.lr = o.lr, .momentum = o.momentum, .weight_decay = o.weight_decay,
                                  .nesterov = o.nesterov});
  }
  if (o.name == "adam" || o.name == "adamw") {
    optim::AdamOptions opts{.lr = o.lr, .betas = o.betas, .weight_decay = o.weight_decay};
    if (o.name == "adam") return std::make_shared<optim::Adam>(params, opts);
    return std::make_shared<optim::AdamW>(params, opts);
  }
  if (o.name == "rmsprop") {
    return std::make_shared<optim::RMSprop>(
        params, optim::RMSpropOptions{.lr = o.lr, .weight_decay = o.weight_decay, .momentum = o.momentum});
  }
  return std::make_shared<optim::Adagrad>(params, optim::AdagradOptions{.lr = o.lr, .weight_decay = o.weight_decay});
}

// Epoch schedulers are stepped by the Trainer; OneCycle steps per batch through a callback.
void attach_scheduler(const Config& c, train::Trainer& trainer, int64_t steps_per_epoch,
                      std::vector<std::shared_ptr<train::Callback>>& callbacks) {
  const SchedulerConfig& s = c.scheduler;
  optim::Optimizer& opt = trainer.optimizer();
  if (s.name.empty()) return;
  if (s.name == "onecycle") {
    const double max_lr = s.max_lr > 0 ? s.max_lr : c.optimizer.lr;
    auto sched = std::make_shared<optim::OneCycleLR>(opt, max_lr, steps_per_epoch * c.epochs);
    callbacks.push_back(std::make_shared<train::LRSchedulerStep>(sched, /*per_batch=*/true));
    return;
  }
  std::shared_ptr<optim::LRScheduler> sched;
  if (s.name == "step") sched = std::make_shared<optim::StepLR>(opt, s.step_size, s.gamma);
  if (s.name == "exponential") sched = std::make_shared<optim::ExponentialLR>(opt, s.gamma);
  if (s.name == "cosine") sched = std::make_shared<optim::CosineAnnealingLR>(opt, c.epochs, s.eta_min);
  trainer.set_scheduler(sched);
}

// Loads model weights from a training checkpoint ("model." entries) or a plain state dict.
void load_weights(nn::Module& model, const std::string& path) {
  STRATA_CHECK(fs::exists(path), "checkpoint {} does not exist", path);
  const io::SafetensorsFile file = io::read_safetensors(path);
  nn::StateDict state;
  for (const auto& [k, v] : file.tensors) {
    if (k.rfind("model.", 0) == 0) state[k.substr(6)] = v;
  }
  if (state.empty()) state = file.tensors;
  try {
    model.load_state_dict(state);
  } catch (const Error& e) {
    STRATA_FAIL("checkpoint {} does not fit the model of the config: {}", path, e.what());
  }
}

void apply_runtime(const Config& c) {
  if (c.threads > 0) set_num_threads(c.threads);
  manual_seed(c.seed);
}

std::string json_metrics(const train::Logs& logs, const std::string& prefix, double seconds) {
  std::string out = "{";
  for (const auto& [k, v] : logs) out += fmt::format("\"{}{}\": {:.6g}, ", prefix, k, v);
  return out + fmt::format("\"seconds\": {:.2f}}}", seconds);
}

}  // namespace

int run_train(const TrainArgs& args) {
  Config c = load_config(args.config);
  if (args.epochs) c.epochs = *args.epochs;
  if (args.lr) c.optimizer.lr = *args.lr;
  if (args.batch_size) c.data.batch_size = *args.batch_size;
  if (args.seed) c.seed = *args.seed;
  if (args.threads) c.threads = *args.threads;
  STRATA_CHECK(c.epochs > 0, "--epochs must be positive, got {}", c.epochs);
  STRATA_CHECK(c.optimizer.lr > 0, "--lr must be positive, got {}", c.optimizer.lr);
  STRATA_CHECK(c.data.batch_size > 0, "--batch-size must be positive, got {}", c.data.batch_size);
  const std::string name = c.name.empty() ? fs::path(c.path).stem().string() : c.name;
  const std::string out = args.out.empty() ? "runs/" + name : args.out;
  apply_runtime(c);
  const auto start = std::chrono::steady_clock::now();

  nn::Sequential model = build_model(c);
  auto train_set = load_split(c, true);
  auto test_set = load_split(c, false);
  data::DataLoader train_loader(train_set, {.batch_size = c.data.batch_size, .shuffle = true, .seed = c.seed,
                                            .num_workers = c.data.num_workers});
  data::DataLoader test_loader(test_set, {.batch_size = 1000});
  train::Trainer trainer(model.ptr(), make_optimizer(c, model->parameters()), make_loss(c));
  std::vector<std::shared_ptr<train::Callback>> callbacks;
  attach_scheduler(c, trainer, train_loader.size(), callbacks);
  callbacks.push_back(std::make_shared<train::ModelCheckpoint>(
      train::ModelCheckpointOptions{.dir = out, .monitor = "val_accuracy"}));

  fs::create_directories(out);
  std::ofstream(out + "/config.yaml") << to_yaml(c);
  std::cerr << fmt::format("strata train: {} ({} parameters) on {} ({} train, {} test) for {} epochs -> {}\n", name,
                           model->num_parameters(), c.data.dataset, train_set->size(), test_set->size(), c.epochs,
                           out);
  trainer.fit(train_loader,
              {.epochs = c.epochs, .validation = &test_loader, .callbacks = callbacks, .out_dir = out,
               .progress = args.progress});
  const train::Logs test = trainer.evaluate(test_loader);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << json_metrics(test, "test_", seconds) << std::endl;
  return 0;
}

int run_eval(const std::string& config, const std::string& checkpoint) {
  const Config c = load_config(config);
  apply_runtime(c);
  const auto start = std::chrono::steady_clock::now();
  nn::Sequential model = build_model(c);
  load_weights(*model, checkpoint);
  data::DataLoader loader(load_split(c, false), {.batch_size = 1000});
  train::Trainer trainer(model.ptr(), std::make_shared<optim::SGD>(model->parameters()), make_loss(c));
  const train::Logs logs = trainer.evaluate(loader);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << json_metrics(logs, "test_", seconds) << std::endl;
  return 0;
}

int run_predict(const std::string& config, const std::string& checkpoint, const std::string& image, int top_k) {
  const Config c = load_config(config);
  STRATA_CHECK(top_k > 0, "--top-k must be positive, got {}", top_k);
  STRATA_CHECK(fs::exists(image), "image {} does not exist", image);
  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load(image.c_str(), &w, &h, &channels, 1);
  STRATA_CHECK(pixels != nullptr, "cannot read image {}: {}", image, stbi_failure_reason());
  // Bilinear resize of the grey image to 28x28.
  std::vector<uint8_t> small(28 * 28);
  for (int y = 0; y < 28; ++y) {
    for (int x = 0; x < 28; ++x) {
      const double sy = std::max(0.0, (y + 0.5) * h / 28.0 - 0.5), sx = std::max(0.0, (x + 0.5) * w / 28.0 - 0.5);
      const int y0 = std::min(static_cast<int>(sy), h - 1), x0 = std::min(static_cast<int>(sx), w - 1);
      const int y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
      const double fy = sy - y0, fx = sx - x0;
      auto p = [&](int yy, int xx) { return static_cast<double>(pixels[yy * w + xx]); };
      const double v = (1 - fy) * ((1 - fx) * p(y0, x0) + fx * p(y0, x1)) + fy * ((1 - fx) * p(y1, x0) + fx * p(y1, x1));
      small[y * 28 + x] = static_cast<uint8_t>(std::clamp(v + 0.5, 0.0, 255.0));
    }
  }
  stbi_image_free(pixels);
  nn::Sequential model = build_model(c);
  load_weights(*model, checkpoint);
  model->eval();
  NoGradGuard no_grad;
  const Tensor x = prepare_images(from_vector(small, {1, 28, 28}), c);
  const Tensor probs = F::softmax(model(x), 1).reshape({-1});
  const std::vector<float> p = probs.to_vector<float>();
  std::vector<int> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return p[a] > p[b]; });
  const DatasetInfo info = dataset_info(c.data.dataset);
  for (int i = 0; i < std::min<int>(top_k, static_cast<int>(order.size())); ++i) {
    const int k = order[i];
    const std::string label = k < static_cast<int>(info.classes.size()) ? info.classes[k] : std::to_string(k);
    std::cout << fmt::format("{:>2}. {:<12} {:.4f}\n", i + 1, label, p[k]);
  }
  return 0;
}

int run_summary(const std::string& config) {
  const Config c = load_config(config);
  nn::Sequential model = build_model(c);
  std::cout << nn::summary(*model, {1, 1, 28, 28});
  return 0;
}

}  // namespace strata::cli
