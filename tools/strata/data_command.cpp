#include "data_command.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>

#include "strata/data/image/all.h"
#include "strata/data/mnist.h"

namespace strata::cli {
namespace {

using data::image::TransformSpec;

std::string at(const std::string& path, const YAML::Node& node) {
  return node.Mark().line >= 0 ? fmt::format("{}:{}", path, node.Mark().line + 1) : path;
}

// "2", "-0.5", "1e-3" -> number; anything else -> nullopt.
std::optional<double> parse_number(const std::string& s) {
  if (s == "true") return 1.0;
  if (s == "false") return 0.0;
  try {
    size_t used = 0;
    const double v = std::stod(s, &used);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// One item of the augment list: `name` or `name: {arg: value, ...}`.
TransformSpec spec_of(const YAML::Node& item, const std::string& path) {
  TransformSpec spec;
  spec.where = at(path, item);
  if (item.IsScalar()) {
    spec.name = item.Scalar();
    return spec;
  }
  STRATA_CHECK(item.IsMap() && item.size() == 1,
               "{}: each augment entry is a transform name, or one name with its arguments such as "
               "'random_rotation: {{degrees: 10}}'",
               spec.where);
  const auto entry = *item.begin();
  spec.name = entry.first.as<std::string>();
  const YAML::Node& args = entry.second;
  if (args.IsNull()) return spec;
  STRATA_CHECK(args.IsMap(), "{}: the arguments of {} must be a map such as {{p: 0.5}}", spec.where,
               spec.name);
  for (const auto& kv : args) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (v.IsSequence()) {
      std::vector<double> values;
      for (const auto& x : v) {
        const auto num = x.IsScalar() ? parse_number(x.Scalar()) : std::nullopt;
        STRATA_CHECK(num.has_value(), "{}: {}.{} must be a list of numbers", at(path, x), spec.name, key);
        values.push_back(*num);
      }
      spec.numbers[key] = values;
    } else if (v.IsScalar()) {
      if (const auto num = parse_number(v.Scalar())) {
        spec.numbers[key] = {*num};
      } else {
        spec.strings[key] = v.Scalar();
      }
    } else {
      STRATA_FAIL("{}: {}.{} must be a number, a list of numbers or a word", at(path, v), spec.name, key);
    }
  }
  return spec;
}

std::shared_ptr<const data::Dataset> training_set(const std::string& name, const std::string& root,
                                                  const std::string& where) {
  if (name == "fashion-mnist") return std::make_shared<data::FashionMNIST>(true, root);
  if (name == "mnist") return std::make_shared<data::MNIST>(true, root);
  if (name == "emoji") return std::make_shared<data::image::Emoji>(root);
  if (name == "folder") {
    STRATA_CHECK(!root.empty(), "{}: dataset 'folder' needs data.root (a folder of class folders)", where);
    return std::make_shared<data::image::ImageFolder>(root);
  }
  STRATA_FAIL("{}: unknown dataset '{}' (known: fashion-mnist, mnist, emoji, folder)", where, name);
}

}  // namespace

CLI::App* add_data_augment_command(CLI::App& app, AugmentArgs& args) {
  CLI::App* data = nullptr;
  for (CLI::App* sub : app.get_subcommands([](CLI::App* a) { return a->get_name() == "data"; })) data = sub;
  if (data == nullptr) {
    data = app.add_subcommand("data", "Inspect and prepare data sets");
    data->require_subcommand(1);
  }
  CLI::App* cmd =
      data->add_subcommand("augment", "Write a PNG grid of augmented training samples beside the originals");
  cmd->add_option("-c,--config", args.config, "YAML config with data: and augment: sections")
      ->type_name("FILE")
      ->required()
      ->check(CLI::Validator(
          [](std::string& path) -> std::string {
            return std::filesystem::is_regular_file(path) ? "" : "config file " + path + " does not exist";
          },
          ""));
  cmd->add_option("--preview", args.preview, "PNG file to write")->type_name("FILE")->required();
  cmd->add_option("--n", args.n, "How many samples (default 16)")->type_name("N")->check(CLI::Range(1, 1024));
  cmd->add_option("--seed", args.seed, "Seed of the sample choice and augmentation (default training.seed)")
      ->type_name("S");
  cmd->add_option("--scale", args.scale, "Upscale each cell by this factor (default: cells of 64 pixels)")
      ->type_name("K")
      ->check(CLI::Range(0, 32));
  cmd->footer(
      "Each row shows pairs: an original training image, then the same image through the augment: pipeline.\n"
      "Transforms: random_horizontal_flip, random_vertical_flip, random_rotation, random_affine, "
      "random_crop,\n"
      "random_resized_crop, resize, center_crop, color_jitter, grayscale, random_grayscale, gaussian_blur,\n"
      "random_erasing, normalize, to_float (arguments as torchvision's; see docs/data.md).");
  return cmd;
}

int run_data_augment(const AugmentArgs& args) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(args.config);
  } catch (const YAML::Exception& e) {
    STRATA_FAIL("{}: not a readable YAML file: {}", args.config, e.what());
  }
  STRATA_CHECK(root.IsMap(), "{}: expected a map with data: and augment: sections", args.config);
  const YAML::Node data_node = root["data"];
  std::string dataset = "fashion-mnist", data_root;
  if (data_node && data_node.IsMap()) {
    if (data_node["dataset"]) dataset = data_node["dataset"].as<std::string>();
    if (data_node["root"]) data_root = data_node["root"].as<std::string>();
  }
  const YAML::Node augment = root["augment"];
  STRATA_CHECK(
      augment && augment.IsSequence() && augment.size() > 0,
      "{}: no augment: list (e.g. augment: [random_horizontal_flip, {{random_rotation: {{degrees: 10}}}}])",
      args.config);
  std::vector<TransformSpec> specs;
  std::string names;
  for (const auto& item : augment) {
    specs.push_back(spec_of(item, args.config));
    names += (names.empty() ? "" : ", ") + specs.back().name;
  }
  const data::image::RandomTransform pipeline = data::image::make_pipeline(specs);
  uint64_t seed = 0;
  if (args.seed)
    seed = *args.seed;
  else if (root["training"] && root["training"]["seed"])
    seed = root["training"]["seed"].as<uint64_t>();

  const auto set = training_set(dataset, data_root, data_node ? at(args.config, data_node) : args.config);
  const int64_t n = std::min<int64_t>(args.n, set->size());
  STRATA_CHECK(n > 0, "{}: the {} training set is empty", args.config, dataset);
  // A seeded random choice of samples.
  const std::vector<int64_t> order =
      data::random_split(set, std::vector<int64_t>{n, set->size() - n}, seed)[0]->indices();
  data::image::AugmentedDataset augmented(set, pipeline, seed);
  std::vector<Tensor> cells;
  int64_t largest = 1;
  bool out_of_range = false;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t index = order[static_cast<size_t>(i)];
    const Tensor original = set->get(index).input;
    const Tensor changed = augmented.get(index, 0).input;
    for (const Tensor& t : {original, changed}) {
      STRATA_CHECK(t.dim() == 3 || t.dim() == 2, "{}: sample {} of shape {} is not an image [C, H, W]",
                   args.config, index, t.shape().str());
      largest = std::max({largest, t.size(-1), t.size(-2)});
      if (t.is_floating_point()) out_of_range = out_of_range || t.min().item() < 0.0 || t.max().item() > 1.0;
      cells.push_back(t);
    }
  }
  const auto pairs_per_row = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  const int64_t scale = args.scale > 0 ? args.scale : std::max<int64_t>(1, (64 + largest - 1) / largest);
  data::image::save_grid(args.preview, cells, 2 * pairs_per_row,
                         {.padding = 2, .pad_value = 1.0, .scale = scale, .normalize = out_of_range});
  std::cout << fmt::format(
      "strata data augment: wrote {} ({} {} samples, original | augmented, {} per row; "
      "pipeline: {}; seed {}{})\n",
      args.preview, n, dataset, pairs_per_row, names, seed,
      out_of_range ? "; values outside [0, 1] stretched per image" : "");
  return 0;
}

}  // namespace strata::cli
