#include "segment_command.h"

#include <iostream>

#include "commands.h"
#include "config.h"
#include "model_builder.h"
#include "strata/data/image/grid.h"
#include "strata/metrics/plots.h"
#include "strata/metrics/segmentation.h"
#include "strata/models/segmenter.h"
#include "strata/strata.h"
#include "training_data.h"

namespace strata::cli {

CLI::App* add_segment_command(CLI::App& app, SegmentArgs& args) {
  return add_canvas_command(
      app, args, "segment",
      "Evaluate a trained segmenter on the test canvases (mIoU) and write mask overlays to a PNG", "unet",
      "PNG grid of the first canvases: true mask | predicted mask");
}

int run_segment(const SegmentArgs& args) {
  const CanvasRun run = load_canvas_run(args);
  const Config& c = run.config;
  const TrainingData& d = run.data;
  const auto segmenter = std::dynamic_pointer_cast<models::SegmenterImpl>(run.model);
  STRATA_CHECK(segmenter, "segment: {} trains model '{}', not a segmenter; segment runs unet configs",
               args.config, run.config.model.zoo.empty() ? run.config.model.name : run.config.model.zoo);
  load_weights(*run.model, args.checkpoint, args.config);
  segmenter->eval();
  const int64_t classes = segmenter->options().num_classes;
  metrics::SegmentationMetrics m(classes);
  std::vector<Tensor> drawn;
  data::DataLoader loader(d.test, {.batch_size = c.data.eval_batch_size, .collate = d.collate});
  for (const data::Batch& batch : loader) {
    const Tensor pred = segmenter->predict(batch.input);
    m.update(pred, batch.target);
    for (int64_t i = 0;
         i < batch.size() && !args.out.empty() && static_cast<int64_t>(drawn.size()) < 2 * args.count; ++i) {
      const Tensor image = batch.input.select(0, i);
      drawn.push_back(metrics::draw_mask(image, batch.target.select(0, i), 0.55, 3));
      drawn.push_back(metrics::draw_mask(image, pred.select(0, i), 0.55, 3));
    }
  }
  if (!args.out.empty()) {
    data::image::save_grid(args.out, drawn, 4);
    std::cerr << fmt::format("strata segment: {} canvases (true | predicted masks) -> {}\n", drawn.size() / 2,
                             args.out);
  }
  std::string per_class;
  for (int64_t k = 0; k < classes; ++k) {
    const double v = m.iou(k);
    per_class += fmt::format(
        "{}\"{}\": {}", k ? ", " : "",
        k < static_cast<int64_t>(d.classes.size()) ? d.classes[static_cast<size_t>(k)] : std::to_string(k),
        std::isnan(v) ? std::string("null") : fmt::format("{:.4f}", v));
  }
  std::cout << fmt::format("{{\"pixel_accuracy\": {:.6g}, \"miou\": {:.6g}, \"iou\": {{{}}}}}",
                           m.pixel_accuracy(), m.mean_iou(), per_class)
            << std::endl;
  return 0;
}

}  // namespace strata::cli
