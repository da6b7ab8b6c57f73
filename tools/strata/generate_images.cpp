#include "generate_images.h"

#include <yaml-cpp/yaml.h>

#include <iostream>

#include "commands.h"
#include "config.h"
#include "model_builder.h"
#include "strata/models/generative.h"
#include "strata/models/sample_grid.h"
#include "strata/strata.h"

namespace strata::cli {

bool is_image_generation_config(const std::string& config) {
  try {
    const YAML::Node doc = YAML::LoadFile(config);
    if (!doc.IsMap()) return false;
    const YAML::Node model = doc["model"], data = doc["data"];
    if (!model.IsMap() || !data.IsMap() || !data["dataset"].IsScalar()) return false;
    const std::string dataset = data["dataset"].Scalar();
    return dataset.rfind("text-", 0) != 0 && dataset != "moby-dick";  // text datasets: the text path
  } catch (const YAML::Exception&) {
    return false;  // the text paths report it
  }
}

int generate_images(const GenerateArgs& args) {
  const Config c = load_config(args.config);
  STRATA_CHECK(!args.out.empty(),
               "generate: {} has an image model; give --out FILE.png for the grid of samples", args.config);
  if (c.training.threads > 0) set_num_threads(c.training.threads);
  const std::shared_ptr<nn::Module> model = build_model(c, Shape{1, 1, 28, 28});
  const auto generative = std::dynamic_pointer_cast<models::GenerativeModel>(model);
  STRATA_CHECK(
      generative,
      "generate: {} trains model.zoo '{}', which is not a generative model; generate writes images for "
      "vae, dcgan, cgan and wgan_gp configs and text for text-lm configs",
      args.config, c.model.zoo);
  load_weights(*model, args.checkpoint, args.config);
  model->eval();
  const models::SampleGridOptions options{
      .n = args.n.value_or(64),
      .class_label = args.class_label,
      .interpolate = args.interpolate,
      .interpolation = models::interpolation_from_name(args.interpolation),
      .steps = args.steps.value_or(10)};
  Generator gen(args.seed.value_or(c.training.seed));
  const models::SampleGrid grid = models::sample_grid(*generative, options, gen);
  models::save_sample_grid(args.out, grid);
  const int64_t count = grid.images.size(0);
  std::cerr << fmt::format("strata generate: {} {} ({} x {}) -> {}\n", count,
                           args.interpolate ? "interpolated images" : "samples",
                           (count + grid.ncols - 1) / grid.ncols, grid.ncols, args.out);
  return 0;
}

}  // namespace strata::cli
