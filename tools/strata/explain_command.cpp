#include "explain_command.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <sstream>

#include "model_builder.h"
#include "strata/data/image/functional.h"
#include "strata/data/image/grid.h"
#include "strata/data/image/io.h"
#include "strata/explain/overlay.h"
#include "strata/explain/registry.h"
#include "strata/nn.h"
#include "strata/strata.h"
#include "training_data.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;
namespace image = data::image;

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

// "a,b, c" -> {"a", "b", "c"}.
std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    STRATA_CHECK(!item.empty(), "--methods '{}': an empty method name", text);
    out.push_back(item);
  }
  return out;
}

std::string describe_channels(int64_t c) {
  switch (c) {
    case 1:
      return "grey (1 channel)";
    case 2:
      return "grey + alpha (2 channels)";
    case 3:
      return "RGB (3 channels)";
    default:
      return fmt::format("RGBA ({} channels)", c);
  }
}

// The image at `path` must be what the model takes: its size, and grey for a grey model or colour for a
// colour one (an alpha channel aside). Heat maps are drawn pixel for pixel, so nothing is resized.
void check_image(const std::string& path, const Shape& input_shape, const std::string& config) {
  STRATA_CHECK(fs::is_regular_file(path), "image {} does not exist", path);
  image::ImageInfo info;
  try {
    info = image::read_image_info(path);
  } catch (const Error& e) {
    STRATA_FAIL("cannot read image {}: {}", path, e.what());
  }
  const int64_t c = input_shape[1], h = input_shape[2], w = input_shape[3];
  const bool grey = info.channels <= 2;
  STRATA_CHECK(info.height == h && info.width == w && grey == (c == 1),
               "image {} is {}x{} {}; the model of {} takes {}x{} {} images (input {})", path, info.width,
               info.height, describe_channels(info.channels), config, w, h, c == 1 ? "grey" : "RGB",
               input_shape.str());
}

// The model's value of a black pixel: what "absent" means for Integrated Gradients and occlusion.
double black_value(const Config& c) {
  if ((c.data.dataset == "fashion-mnist" || c.data.dataset == "mnist") && c.data.normalize) {
    const auto [mean, std] = image_normalization(c.data.dataset);
    return (0.0 - mean) / std;
  }
  return 0.0;
}

}  // namespace

CLI::App* add_explain_command(CLI::App& app, ExplainArgs& args) {
  CLI::App* cmd = app.add_subcommand("explain", "Heat maps of what an image classifier looked at");
  cmd->add_option("-c,--config", args.config, "The image-classification config the model was trained with")
      ->type_name("FILE")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", args.set, "Change a config field, e.g. --set data.normalize=false (repeatable)")
      ->type_name("KEY=VALUE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--threads", args.threads, "CPU threads (overrides training.threads)")->type_name("N");
  cmd->add_option("--checkpoint", args.checkpoint, "safetensors checkpoint (e.g. runs/NAME/best.safetensors)")
      ->type_name("FILE")
      ->required()
      ->check(CLI::ExistingFile);
  auto* one = cmd->add_option("--image", args.image, "PNG or JPEG image of the model's input size")
                  ->type_name("FILE");
  auto* many = cmd->add_option("--images", args.images, "Several images: a grid, one row each")
                   ->type_name("FILE ...")
                   ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  auto* test = cmd->add_option("--from-test", args.from_test, "The first N images of the config's test split")
                   ->type_name("N")
                   ->check(CLI::PositiveNumber);
  one->excludes(many)->excludes(test);
  many->excludes(test);
  auto* method =
      cmd->add_option("--method", args.method, "Explanation method: " + join(explain::method_names()))
          ->type_name("NAME");
  auto* methods =
      cmd->add_option("--methods", args.methods, "Several methods, comma-separated: a grid, one column each")
          ->type_name("A,B,...");
  method->excludes(methods);
  cmd->add_option("--layer", args.layer, "The layer of layer methods (a dotted module name)")
      ->type_name("NAME");
  cmd->add_option("--target", args.target, "The class to explain (default: each image's top class)")
      ->type_name("K")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", args.out, "Output PNG")->type_name("FILE")->required();
  cmd->add_option("--alpha", args.alpha, "Weight of the heat map over the image (default 0.5)")
      ->type_name("A")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--colormap", args.colormap, "viridis (default) or jet")->type_name("NAME");
  cmd->add_option("--scale", args.scale, "Upscaling factor (default: at least 224 pixels across)")
      ->type_name("S")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--top-k", args.top_k, "How many classes to print per image (default 3)")
      ->type_name("K")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", args.seed, "Seed of methods that draw noise (smoothgrad; default 0)")
      ->type_name("S");
  cmd->footer(
      "One image and one method write the overlay alone; --images, --from-test or --methods write a grid\n"
      "(rows: images; columns: the image, then one overlay per method). Prints each image's top classes.");
  return cmd;
}

int run_explain(const ExplainArgs& args) {
  const Config c = load(args);
  // The methods first: a typo should not wait for the data to load.
  STRATA_CHECK(!args.method.empty() || !args.methods.empty(),
               "strata explain needs --method or --methods ({})", join(explain::method_names()));
  std::vector<const explain::Method*> chosen;
  for (const auto& name :
       args.methods.empty() ? std::vector<std::string>{args.method} : split_names(args.methods))
    chosen.push_back(&explain::find_method(name));
  const explain::Colormap colormap = explain::colormap_from_name(args.colormap);
  STRATA_CHECK(!args.image.empty() || !args.images.empty() || args.from_test.has_value(),
               "strata explain needs --image, --images or --from-test N");

  TrainingData d = load_training_data(c, false);
  STRATA_CHECK(d.read_input != nullptr && d.input_shape.size() == 4,
               "strata explain explains image classifiers; {} trains on {}", c.path, c.data.dataset);
  if (d.load_preprocessing) {
    const std::string run_dir = fs::path(args.checkpoint).parent_path().string();
    d.load_preprocessing(run_dir.empty() ? "." : run_dir, d);
  }
  const std::shared_ptr<nn::Module> model = build_model(c, d);
  load_weights(*model, args.checkpoint, c.path);
  model->eval();

  if (!args.layer.empty()) {
    std::vector<std::string> layers;
    bool found = false;
    for (const auto& [name, m] : model->named_modules()) {
      if (name.empty()) continue;
      layers.push_back(name);
      found |= name == args.layer;
    }
    STRATA_CHECK(found, "unknown layer '{}'{} for --layer; the model's layers: {}", args.layer,
                 did_you_mean(args.layer, layers), join(layers));
    // A grid may mix layer methods with others; --layer must serve at least one of them.
    std::vector<std::string> layer_methods;
    for (const auto& m : explain::methods())
      if (m.uses_layer) layer_methods.push_back(m.name);
    const bool used =
        std::any_of(chosen.begin(), chosen.end(), [](const explain::Method* m) { return m->uses_layer; });
    std::vector<std::string> chosen_names;
    for (const explain::Method* m : chosen) chosen_names.push_back(m->name);
    STRATA_CHECK(used, "--layer applies to layer methods, and {} takes none ({})", join(chosen_names),
                 layer_methods.empty() ? "no method takes one" : "methods that do: " + join(layer_methods));
  }

  // The inputs [N, C, H, W] and their names.
  std::vector<Tensor> rows;
  std::vector<std::string> names;
  if (args.from_test) {
    STRATA_CHECK(*args.from_test <= d.test->size(), "--from-test {}: the test split of {} has {} images",
                 *args.from_test, c.path, d.test->size());
    for (int64_t i = 0; i < *args.from_test; ++i) {
      rows.push_back(d.test->get(i).input.unsqueeze(0));
      names.push_back(fmt::format("test[{}]", i));
    }
  } else {
    names = args.images.empty() ? std::vector<std::string>{args.image} : args.images;
    for (const auto& path : names) {
      check_image(path, d.input_shape, c.path);
      rows.push_back(d.read_input(path));
    }
  }
  const Tensor x = ops::cat(rows, 0).contiguous();
  const int64_t n = x.size(0);

  // The top classes of each image.
  Tensor probs;
  {
    NoGradGuard no_grad;
    probs = F::softmax((*model)(x), 1);
  }
  const int64_t classes = probs.size(1);
  auto label = [&](int64_t k) {
    return k < static_cast<int64_t>(d.classes.size()) ? d.classes[k] : std::to_string(k);
  };
  if (args.target) {
    STRATA_CHECK(*args.target < classes, "--target {}: the model has {} classes (0..{})", *args.target,
                 classes, classes - 1);
  }
  std::vector<int64_t> target(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const std::vector<float> p = probs.select(0, i).to_vector<float>();
    std::vector<int64_t> order(p.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return p[a] > p[b]; });
    target[i] = args.target.value_or(order[0]);
    std::cout << fmt::format("{}: explaining {}", names[i], label(target[i]));
    for (int k = 0; k < std::min<int>(args.top_k, static_cast<int>(order.size())); ++k)
      std::cout << fmt::format("{} {}. {} {:.4f}", k == 0 ? ";" : ",", k + 1, label(order[k]), p[order[k]]);
    std::cout << "\n";
  }

  const int64_t side = std::max(x.size(2), x.size(3));
  const int64_t scale = args.scale.value_or(std::max<int64_t>(1, (224 + side - 1) / side));
  const explain::OverlayOptions overlay{.alpha = args.alpha, .scale = scale, .colormap = colormap};
  const explain::MethodArgs method_args{
      .target = target, .layer = args.layer, .baseline = black_value(c), .seed = args.seed};
  std::vector<Tensor> heat;
  for (const explain::Method* m : chosen) heat.push_back(m->heat_map(*model, x, method_args).detach());

  const bool grid = n > 1 || chosen.size() > 1 || !args.images.empty() || args.from_test.has_value();
  const fs::path out(args.out);
  if (out.has_parent_path()) fs::create_directories(out.parent_path());
  if (!grid) {
    image::write_image(
        args.out, explain::overlay(explain::display_image(x.select(0, 0)), heat[0].select(0, 0), overlay));
    std::cout << fmt::format("wrote {} ({} of {})\n", args.out, chosen[0]->name, names[0]);
    return 0;
  }
  std::vector<Tensor> cells;
  for (int64_t i = 0; i < n; ++i) {
    const Tensor shown = explain::display_image(x.select(0, i));
    cells.push_back(image::resize(shown, {shown.size(1) * scale, shown.size(2) * scale},
                                  {.interpolation = image::Interpolation::Nearest}));
    for (const Tensor& h : heat) cells.push_back(explain::overlay(shown, h.select(0, i), overlay));
  }
  const auto ncols = static_cast<int64_t>(chosen.size()) + 1;
  image::save_grid(args.out, cells, ncols, {.padding = 4});
  std::vector<std::string> columns{"image"};
  for (const explain::Method* m : chosen) columns.push_back(m->name);
  std::cout << fmt::format("wrote {} (rows: {}; columns: {})\n", args.out, join(names), join(columns));
  return 0;
}

}  // namespace strata::cli
