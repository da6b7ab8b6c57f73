#include "pretrain_command.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <sstream>

#include "commands.h"
#include "config.h"
#include "data_command.h"
#include "field_reader.h"
#include "model_builder.h"
#include "strata/data.h"
#include "strata/data/image/all.h"
#include "strata/io/safetensors.h"
#include "strata/models/bag_of_tokens.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/strata.h"
#include "strata/train.h"
#include "training_data.h"
#include "training_setup.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;
namespace image = data::image;
using nlohmann::json;

// ---- the `pretrain:` section ----------------------------------------------------------------------------

struct ProbeConfig {
  std::vector<double> fractions = {0.01, 0.1, 1.0};  // shares of the training labels (stratified, seeded)
  std::vector<uint64_t> seeds = {0, 1, 2};           // one labelled subset (and baseline) per seed
  int64_t epochs = 100;                              // of the logistic-regression head
  double lr = 0.01;
  double weight_decay = 1e-4;
  int64_t baseline_epochs = 0;  // > 0: also train the encoder + a linear head from scratch on the subsets
  std::vector<double> baseline_fractions = {0.01};  // the shares the baseline runs at
  double baseline_lr = 1e-3;
  bool random_encoder = true;  // also probe an untrained encoder (at the first share)
};

struct PretrainConfig {
  Config base;
  std::string method = "simclr";  // simclr | clip
  double temperature = 0.5;
  std::vector<int64_t> projection = {128, 64};  // simclr: hidden and output size of the projection head
  std::vector<image::TransformSpec> views;      // the augmentation of each view (simclr) / image (clip)
  ProbeConfig probe;
  // clip
  int64_t embed_dim = 64;           // the shared embedding size
  int64_t text_embedding_dim = 64;  // the bag-of-tokens embedding size
  int64_t max_tokens = 16;          // tokens kept per text
  double held_out = 0.2;            // emoji held out (stratified by category) for the zero-shot tests
  bool learn_temperature = true;
};

class PretrainReader : public FieldReader {
 public:
  using FieldReader::FieldReader;

  void read(PretrainConfig& c, const std::string& path) const {
    const YAML::Node doc = load_document();
    const YAML::Node p = doc["pretrain"];
    if (!p.IsDefined() || p.IsNull())
      fail(doc, "pretrain", "the config has no 'pretrain' section (see docs/self_supervised.md)");
    check_section(p, "pretrain", false);
    check_keys(p, "pretrain",
               {"method", "temperature", "projection", "views", "probe", "embed_dim", "text_embedding_dim",
                "max_tokens", "held_out", "learn_temperature"});
    if (p["method"].IsDefined())
      c.method = name_of(p["method"], "pretrain.method", "simclr", {"simclr", "clip"});
    if (c.method == "clip") c.temperature = 0.07;
    if (read(p, "pretrain", "temperature", c.temperature) && !(c.temperature > 0))
      fail(p["temperature"], "pretrain.temperature",
           fmt::format("field 'pretrain.temperature' must be > 0, got {}", c.temperature));
    if (read_list(p, "pretrain", "projection", c.projection) &&
        (c.projection.size() != 2 || c.projection[0] < 1 || c.projection[1] < 1))
      fail(p["projection"], "pretrain.projection",
           "field 'pretrain.projection' must be [hidden, out], two sizes >= 1");
    const YAML::Node views = p["views"];
    if (views.IsDefined() && !views.IsNull()) {
      if (!views.IsSequence())
        fail(views, "pretrain.views",
             "field 'pretrain.views' must be a list of transforms (as data.augment)");
      for (const auto& item : views) c.views.push_back(transform_spec(item, path));
      image::make_pipeline(c.views);  // its errors name file:line now rather than mid-run
    }
    at_least(p, "embed_dim", c.embed_dim, 1);
    at_least(p, "text_embedding_dim", c.text_embedding_dim, 1);
    at_least(p, "max_tokens", c.max_tokens, 1);
    if (read(p, "pretrain", "held_out", c.held_out) && !(c.held_out > 0 && c.held_out < 1))
      fail(p["held_out"], "pretrain.held_out",
           fmt::format("field 'pretrain.held_out' must be in (0, 1), got {}", c.held_out));
    read(p, "pretrain", "learn_temperature", c.learn_temperature);
    const YAML::Node q = p["probe"];
    ProbeConfig& o = c.probe;
    if (q.IsDefined() && !q.IsNull()) {
      check_section(q, "pretrain.probe", false);
      check_keys(q, "pretrain.probe",
                 {"fractions", "seeds", "epochs", "lr", "weight_decay", "baseline_epochs",
                  "baseline_fractions", "baseline_lr", "random_encoder"});
      read_list(q, "pretrain.probe", "fractions", o.fractions);
      for (double f : o.fractions)
        if (!(f > 0 && f <= 1))
          fail(q["fractions"], "pretrain.probe.fractions",
               fmt::format("field 'pretrain.probe.fractions' must hold shares in (0, 1], got {}", f));
      read_list(q, "pretrain.probe", "seeds", o.seeds);
      if (o.seeds.empty() || o.fractions.empty())
        fail(q, "pretrain.probe", "'pretrain.probe' needs at least one fraction and one seed");
      at_least(q, "epochs", o.epochs, 1, "pretrain.probe");
      read(q, "pretrain.probe", "lr", o.lr);
      read(q, "pretrain.probe", "weight_decay", o.weight_decay);
      at_least(q, "baseline_epochs", o.baseline_epochs, 0, "pretrain.probe");
      read_list(q, "pretrain.probe", "baseline_fractions", o.baseline_fractions);
      read(q, "pretrain.probe", "baseline_lr", o.baseline_lr);
      read(q, "pretrain.probe", "random_encoder", o.random_encoder);
    }
    if (c.method == "simclr" && c.base.data.dataset != "fashion-mnist" && c.base.data.dataset != "mnist")
      fail(doc["data"], "data.dataset",
           fmt::format("pretrain method simclr reads fashion-mnist or mnist, got '{}'", c.base.data.dataset));
    if (c.method == "clip" && c.base.data.dataset != "emoji")
      fail(doc["data"], "data.dataset",
           fmt::format("pretrain method clip reads the emoji set (its names are the texts), got '{}'",
                       c.base.data.dataset));
  }

 private:
  void at_least(const YAML::Node& node, const char* key, int64_t& value, int64_t min,
                const std::string& section = "pretrain") const {
    if (read(node, section, key, value) && value < min)
      fail(node[key], section + "." + key,
           fmt::format("field '{}.{}' must be at least {}, got {}", section, key, min, value));
  }
  using FieldReader::read;
};

PretrainConfig load_pretrain_config(const PretrainArgs& args) {
  std::vector<Override> flags;
  if (args.epochs)
    flags.push_back(
        {"training.epochs", std::to_string(*args.epochs), fmt::format("--epochs {}", *args.epochs)});
  if (args.seed)
    flags.push_back({"training.seed", std::to_string(*args.seed), fmt::format("--seed {}", *args.seed)});
  PretrainConfig c;
  c.base = load({args.config, args.set, args.threads}, flags);
  std::vector<Override> all;
  for (const auto& s : args.set) all.push_back(parse_override(s));
  all.insert(all.end(), flags.begin(), flags.end());
  PretrainReader reader(args.config, all);
  reader.read(c, args.config);
  return c;
}

// ---- shared pieces --------------------------------------------------------------------------------------

// The number of features the encoder gives for one input of `shape` ([1, ...]).
int64_t feature_size(nn::Module& encoder, const Shape& shape) {
  NoGradGuard no_grad;
  const bool was = encoder.is_training();
  encoder.eval();
  const int64_t f = encoder.forward(zeros(shape)).flatten(1).size(1);
  encoder.train(was);
  return f;
}

// epoch,loss[,<extra column>...] per epoch.
void write_log(const std::string& path, const std::vector<double>& losses,
               const std::vector<std::pair<std::string, std::vector<double>>>& extra = {}) {
  std::ofstream f(path);
  f << "epoch,loss";
  for (const auto& [name, values] : extra) f << "," << name;
  f << "\n";
  for (size_t i = 0; i < losses.size(); ++i) {
    f << (i + 1) << "," << fmt::format("{:.6f}", losses[i]);
    for (const auto& [name, values] : extra) f << "," << fmt::format("{:.6f}", values.at(i));
    f << "\n";
  }
}

double mean_of(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double std_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean_of(v);
  double s = 0.0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

json summary(const std::vector<double>& v) { return {{"mean", mean_of(v)}, {"std", std_of(v)}, {"runs", v}}; }

std::string run_name(const Config& c) { return c.name.empty() ? fs::path(c.path).stem().string() : c.name; }

// ---- SimCLR --------------------------------------------------------------------------------------------

// An MNIST-format split as f32 [N, 1, 28, 28] in [0, 1] (the first `limit` images when limit > 0).
std::pair<Tensor, Tensor> load_split(const Config& c, bool train, int64_t limit) {
  const data::ImageSplit s = c.data.dataset == "mnist" ? data::load_mnist(train, c.data.root)
                                                       : data::load_fashion_mnist(train, c.data.root);
  Tensor x = s.images, y = s.labels;
  if (limit > 0 && limit < x.size(0)) {
    x = x.narrow(0, 0, limit);
    y = y.narrow(0, 0, limit);
  }
  return {(x.to(kFloat32) * (1.0 / 255.0)).unsqueeze(1).contiguous(), y.contiguous()};
}

// Trains `encoder` + a linear head on the labelled subset from scratch and returns the test accuracy.
double supervised_baseline(const PretrainConfig& pc, const Tensor& x, const Tensor& y, const Tensor& test_x,
                           const Tensor& test_y, uint64_t seed, const image::RandomTransform& normalise) {
  manual_seed(seed);
  auto encoder = build_model(pc.base, Shape{1, 1, x.size(2), x.size(3)});
  const int64_t f = feature_size(*encoder, Shape{1, 1, x.size(2), x.size(3)});
  nn::Sequential net(encoder, nn::Flatten(), nn::Linear(f, 10));
  optim::Adam adam(net->parameters(), {.lr = pc.probe.baseline_lr});
  Generator unused(0);
  const Tensor inputs = normalise(x, unused);
  const int64_t n = inputs.size(0), batch = std::min<int64_t>(64, n);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  net->train();
  for (int64_t epoch = 0; epoch < pc.probe.baseline_epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    for (int64_t start = 0; start < n; start += batch) {
      const int64_t end = std::min(n, start + batch);
      const Tensor idx = from_vector(std::vector<int64_t>(order.begin() + start, order.begin() + end));
      const Tensor loss =
          ops::cross_entropy(net->forward(ops::index_select(inputs, 0, idx)), ops::index_select(y, 0, idx));
      adam.zero_grad();
      loss.backward();
      adam.step();
    }
  }
  NoGradGuard no_grad;
  net->eval();
  const Tensor logits = net->forward(normalise(test_x, unused));
  return ops::mean(ops::eq(ops::argmax(logits, 1), test_y).to(kFloat64)).item<double>();
}

json run_simclr(const PretrainConfig& pc, const std::string& out) {
  const Config& c = pc.base;
  const auto [train_x, train_y] = load_split(c, true, c.data.limit);
  const auto [test_x, test_y] = load_split(c, false, c.data.test_limit);
  const auto [mean, std] = image_normalization(c.data.dataset);
  const image::RandomTransform normalise = [mean, std](const Tensor& img, Generator&) {
    return (img - mean) * (1.0 / std);
  };
  std::vector<image::RandomTransform> steps = {image::make_pipeline(pc.views), normalise};
  const image::RandomTransform views = image::Compose(steps);
  const Shape one{1, 1, train_x.size(2), train_x.size(3)};
  manual_seed(c.training.seed);
  auto encoder = build_model(c, one);
  const int64_t f = feature_size(*encoder, one);
  nn::Sequential projector(nn::Flatten(), nn::Linear(f, pc.projection[0]), nn::ReLU(),
                           nn::Linear(pc.projection[0], pc.projection[1]));
  std::vector<Tensor> params = encoder->parameters();
  for (const Tensor& p : projector->parameters()) params.push_back(p);
  auto optimizer = make_optimizer(c, params);
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  const std::vector<double> losses =
      train::simclr_pretrain(*encoder, *projector, train_x, views, *optimizer,
                             {.epochs = c.training.epochs,
                              .batch_size = c.data.batch_size,
                              .temperature = pc.temperature,
                              .seed = c.training.seed,
                              .on_epoch = [](int64_t epoch, double loss) {
                                std::cerr << fmt::format("pretrain: epoch {} NT-Xent {:.4f}\n", epoch, loss);
                              }});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  io::save_safetensors(out + "/encoder.safetensors", encoder->state_dict());
  write_log(out + "/pretrain_log.csv", losses);
  train::plot_line_panels(out + "/curves.png", {{"NT-Xent loss", {{"train", losses}}}});

  // Linear probes of the frozen encoder.
  Generator unused(0);
  const Tensor train_in = normalise(train_x, unused), test_in = normalise(test_x, unused);
  const Tensor train_f = train::extract_features(*encoder, train_in);
  const Tensor test_f = train::extract_features(*encoder, test_in);
  const train::LinearProbeOptions probe{
      .epochs = pc.probe.epochs, .lr = pc.probe.lr, .weight_decay = pc.probe.weight_decay};
  json probes = json::object();
  for (double fraction : pc.probe.fractions) {
    std::vector<double> acc;
    for (uint64_t seed : pc.probe.seeds) {
      const Tensor idx = from_vector(train::stratified_subset(train_y, fraction, seed));
      train::LinearProbeOptions o = probe;
      o.seed = seed;
      acc.push_back(train::linear_probe(ops::index_select(train_f, 0, idx),
                                        ops::index_select(train_y, 0, idx), test_f, test_y, 10, o)
                        .test_accuracy);
      std::cerr << fmt::format("pretrain: probe with {:g}% of the labels (seed {}): test accuracy {:.4f}\n",
                               fraction * 100, seed, acc.back());
      if (fraction == 1.0) break;  // every seed picks the same (whole) set
    }
    probes[fmt::format("{:g}", fraction)] = summary(acc);
  }
  json result = {{"method", "simclr"},
                 {"epochs", c.training.epochs},
                 {"final_loss", losses.back()},
                 {"first_loss", losses.front()},
                 {"pretrain_seconds", seconds},
                 {"pretrain_cpu_seconds", cpu_seconds},
                 {"train_images", train_x.size(0)},
                 {"features", f},
                 {"probe", probes}};
  if (pc.probe.random_encoder) {
    manual_seed(c.training.seed + 1000);
    auto fresh = build_model(c, one);
    const Tensor idx = from_vector(train::stratified_subset(train_y, pc.probe.fractions.front(), 0));
    const Tensor rf = train::extract_features(*fresh, train_in);
    const Tensor rt = train::extract_features(*fresh, test_in);
    result["random_encoder_probe"] =
        train::linear_probe(ops::index_select(rf, 0, idx), ops::index_select(train_y, 0, idx), rt, test_y, 10,
                            probe)
            .test_accuracy;
  }
  if (pc.probe.baseline_epochs > 0) {
    json baselines = json::object();
    for (double fraction : pc.probe.baseline_fractions) {
      std::vector<double> acc;
      for (uint64_t seed : pc.probe.seeds) {
        const Tensor idx = from_vector(train::stratified_subset(train_y, fraction, seed));
        acc.push_back(supervised_baseline(pc, ops::index_select(train_x, 0, idx),
                                          ops::index_select(train_y, 0, idx), test_x, test_y, seed,
                                          normalise));
        std::cerr << fmt::format(
            "pretrain: supervised from scratch on {:g}% (seed {}): test accuracy {:.4f}\n", fraction * 100,
            seed, acc.back());
      }
      baselines[fmt::format("{:g}", fraction)] = summary(acc);
    }
    result["supervised_from_scratch"] = baselines;
  }
  return result;
}

// ---- CLIP ----------------------------------------------------------------------------------------------

// Lower-case words of `text` (split at anything not a letter or digit), plurals folded to the singular by
// dropping a final 's' from words of more than three letters ("animals" -> "animal").
std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out;
  std::string w;
  auto flush = [&] {
    if (w.size() > 3 && w.back() == 's' && w[w.size() - 2] != 's') w.pop_back();
    if (!w.empty()) out.push_back(w);
    w.clear();
  };
  for (char ch : text) {
    if (std::isalnum(static_cast<unsigned char>(ch)))
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    else
      flush();
  }
  flush();
  return out;
}

// image file name -> the emoji's text: its name, short names and subcategory (metadata.tsv of fetch-data).
std::map<std::string, std::string> read_emoji_texts(const std::string& root) {
  const std::string path = root + "/metadata.tsv";
  std::ifstream f(path);
  STRATA_CHECK(f.good(),
               "pretrain: {} is missing: run scripts/fetch-data emoji (it writes the names of npm "
               "emoji-datasource-google@16.0.0 beside the images)",
               path);
  std::map<std::string, std::string> texts;
  std::string line;
  std::getline(f, line);  // header
  int64_t row = 1;
  while (std::getline(f, line)) {
    ++row;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string col; std::getline(ss, col, '\t');) cols.push_back(col);
    STRATA_CHECK(cols.size() >= 5, "pretrain: {}:{}: expected 5 tab-separated columns, got {}", path, row,
                 cols.size());
    texts[cols[0]] = cols[2] + " " + cols[3] + " " + cols[4];
  }
  return texts;
}

json run_clip(const PretrainConfig& pc, const std::string& out) {
  const Config& c = pc.base;
  const std::string root = c.data.root.empty() ? image::emoji_root() : c.data.root;
  image::ImageFolderOptions options = image::emoji_options();
  options.channels = 3;
  options.background = c.data.image.background.value_or(1.0);
  const image::Emoji emoji(root, options);
  const std::map<std::string, std::string> texts = read_emoji_texts(root);
  const std::vector<int64_t> size =
      c.data.image.size.empty() ? std::vector<int64_t>{32, 32} : c.data.image.size;
  const int64_t n = emoji.size();
  std::vector<Tensor> imgs;
  std::vector<std::string> text_of(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    imgs.push_back(image::resize(emoji.load(i), {size[0], size[1]}, {.antialias = true}));
    const std::string file = fs::path(emoji.samples()[static_cast<size_t>(i)].path).filename().string();
    auto it = texts.find(file);
    STRATA_CHECK(it != texts.end(), "pretrain: {} has no row in {}/metadata.tsv", file, root);
    text_of[static_cast<size_t>(i)] = it->second;
  }
  Tensor all_x = ops::stack(imgs, 0).contiguous();
  const Tensor all_y = emoji.targets();
  // Whole emoji held out, stratified by category.
  const std::vector<int64_t> test_rows = train::stratified_subset(all_y, pc.held_out, c.data.image.seed);
  std::vector<bool> is_test(static_cast<size_t>(n), false);
  for (int64_t r : test_rows) is_test[static_cast<size_t>(r)] = true;
  std::vector<int64_t> train_rows;
  for (int64_t i = 0; i < n; ++i)
    if (!is_test[static_cast<size_t>(i)]) train_rows.push_back(i);
  // Per-channel statistics of the training images.
  const Tensor train_x_raw = ops::index_select(all_x, 0, from_vector(train_rows));
  const Tensor ch_mean = ops::mean(train_x_raw, {0, 2, 3}, true);
  const Tensor ch_std = ops::std(train_x_raw, {0, 2, 3}, false, true);
  all_x = ((all_x - ch_mean) / ch_std).contiguous();
  // Vocabulary of the training texts: 0 <pad>, 1 <unk>.
  std::map<std::string, int64_t> vocab{{"<pad>", 0}, {"<unk>", 1}};
  for (int64_t r : train_rows)
    for (const std::string& w : words_of(text_of[static_cast<size_t>(r)])) vocab.emplace(w, vocab.size());
  auto encode = [&](const std::vector<std::string>& batch) {
    std::vector<int64_t> ids(batch.size() * static_cast<size_t>(pc.max_tokens), 0);
    for (size_t i = 0; i < batch.size(); ++i) {
      const std::vector<std::string> ws = words_of(batch[i]);
      for (size_t j = 0; j < ws.size() && j < static_cast<size_t>(pc.max_tokens); ++j) {
        auto it = vocab.find(ws[j]);
        ids[i * static_cast<size_t>(pc.max_tokens) + j] = it == vocab.end() ? 1 : it->second;
      }
    }
    return from_vector(ids, Shape{static_cast<int64_t>(batch.size()), pc.max_tokens});
  };
  auto pick_texts = [&](const std::vector<int64_t>& rows) {
    std::vector<std::string> t;
    for (int64_t r : rows) t.push_back(text_of[static_cast<size_t>(r)]);
    return t;
  };
  const Tensor train_idx = from_vector(train_rows), test_idx = from_vector(test_rows);
  const Tensor train_x = ops::index_select(all_x, 0, train_idx).contiguous();
  const Tensor test_x = ops::index_select(all_x, 0, test_idx).contiguous();
  const Tensor train_tokens = encode(pick_texts(train_rows)), test_tokens = encode(pick_texts(test_rows));
  const Tensor test_y = ops::index_select(all_y, 0, test_idx);

  manual_seed(c.training.seed);
  const Shape one{1, 3, size[0], size[1]};
  auto encoder = build_model(c, one);
  const int64_t f = feature_size(*encoder, one);
  nn::Sequential image_tower(encoder, nn::Flatten(), nn::Linear(f, pc.embed_dim));
  models::BagOfTokensEncoder text_tower(static_cast<int64_t>(vocab.size()), pc.text_embedding_dim,
                                        pc.embed_dim);
  nn::ClipLoss loss(
      nn::ClipLossOptions{.temperature = pc.temperature, .learn_temperature = pc.learn_temperature});
  std::vector<Tensor> params = image_tower->parameters();
  for (const Tensor& p : text_tower->parameters()) params.push_back(p);
  for (const Tensor& p : loss->parameters()) params.push_back(p);
  auto optimizer = make_optimizer(c, params);

  const std::vector<std::string>& categories = emoji.classes();
  std::vector<std::string> prompts;
  for (const std::string& cat : categories) prompts.push_back(cat);  // "animals-nature" -> animal nature
  const Tensor prompt_tokens = encode(prompts);
  std::vector<double> zs_top1, zs_top5, recall5;
  auto evaluate = [&]() {
    const Tensor img = train::embed(*image_tower, test_x);
    const Tensor cls = train::embed(*text_tower, prompt_tokens);
    const Tensor txt = train::embed(*text_tower, test_tokens);
    return std::pair{train::zero_shot_classify(img, cls, test_y), train::text_to_image_recall(txt, img, 5)};
  };
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  const std::vector<double> losses = train::clip_train(
      *image_tower, *text_tower, *loss, train_x, train_tokens, image::make_pipeline(pc.views), *optimizer,
      {.epochs = c.training.epochs,
       .batch_size = c.data.batch_size,
       .seed = c.training.seed,
       .on_epoch = [&](int64_t epoch, double value) {
         const auto [zs, recall] = evaluate();
         zs_top1.push_back(zs.top1);
         zs_top5.push_back(zs.top5);
         recall5.push_back(recall);
         std::cerr << fmt::format(
             "pretrain: epoch {} CLIP loss {:.4f}, held-out zero-shot top-1 {:.3f}, "
             "recall@5 {:.3f}\n",
             epoch, value, zs.top1, recall);
       }});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  io::save_safetensors(out + "/encoder.safetensors", encoder->state_dict());
  write_log(out + "/pretrain_log.csv", losses,
            {{"zero_shot_top1", zs_top1}, {"zero_shot_top5", zs_top5}, {"recall_at_5", recall5}});
  const std::vector<double> chance1(losses.size(), 1.0 / static_cast<double>(categories.size()));
  train::plot_line_panels(out + "/curves.png", {{"CLIP loss (training pairs)", {{"train", losses}}},
                                                {"held-out emoji",
                                                 {{"zero-shot top-1", zs_top1},
                                                  {"zero-shot top-5", zs_top5},
                                                  {"text-to-image recall@5", recall5},
                                                  {"chance top-1", chance1}}}});
  const auto [zs, recall] = evaluate();
  return {{"method", "clip"},
          {"epochs", c.training.epochs},
          {"first_loss", losses.front()},
          {"final_loss", losses.back()},
          {"pretrain_seconds", seconds},
          {"pretrain_cpu_seconds", cpu_seconds},
          {"train_emoji", static_cast<int64_t>(train_rows.size())},
          {"held_out_emoji", static_cast<int64_t>(test_rows.size())},
          {"vocabulary", static_cast<int64_t>(vocab.size())},
          {"logit_scale", loss->scale().item<double>()},
          {"zero_shot_top1", zs.top1},
          {"zero_shot_top5", zs.top5},
          {"chance_top1", zs.chance_top1},
          {"chance_top5", zs.chance_top5},
          {"recall_at_5", recall},
          {"recall_at_5_chance", 5.0 / static_cast<double>(test_rows.size())}};
}

CLI::Validator quiet(const CLI::Validator& v) { return CLI::Validator(v).description(""); }

}  // namespace

CLI::App* add_pretrain_command(CLI::App& app, PretrainArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "pretrain",
      "Self-supervised pre-training of a config's encoder (SimCLR on images, CLIP on emoji and names)");
  cmd->add_option("-c,--config", args.config, "YAML config with a `pretrain:` section")
      ->type_name("FILE")
      ->required()
      ->check(quiet(CLI::ExistingFile));
  cmd->add_option("--out", args.out, "Output folder (default runs/<config name>)")->type_name("DIR");
  cmd->add_option("--set", args.set, "Change a field of the config, e.g. --set data.limit=5000")
      ->type_name("KEY=VALUE")
      ->take_last()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--threads", args.threads, "CPU threads")
      ->type_name("N")
      ->check(quiet(CLI::PositiveNumber));
  cmd->add_option("--epochs", args.epochs, "Pre-training epochs (overrides training.epochs)")
      ->type_name("N")
      ->check(quiet(CLI::PositiveNumber));
  cmd->add_option("--seed", args.seed, "Override training.seed")->type_name("S");
  return cmd;
}

int run_pretrain(const PretrainArgs& args) {
  const PretrainConfig pc = load_pretrain_config(args);
  const std::string out = args.out.empty() ? "runs/" + run_name(pc.base) : args.out;
  fs::create_directories(out);
  fs::copy_file(args.config, out + "/config.yaml", fs::copy_options::overwrite_existing);
  const json result = pc.method == "clip" ? run_clip(pc, out) : run_simclr(pc, out);
  {
    std::ofstream f(out + "/results.json");
    f << result.dump(2) << "\n";
  }
  std::cout << result.dump() << std::endl;
  return 0;
}

}  // namespace strata::cli
