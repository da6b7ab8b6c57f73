#include "detect_command.h"

#include <iostream>

#include "commands.h"
#include "config.h"
#include "model_builder.h"
#include "strata/data/image/grid.h"
#include "strata/data/vision/object_canvas.h"
#include "strata/metrics/detection.h"
#include "strata/metrics/plots.h"
#include "strata/models/centernet.h"
#include "strata/strata.h"
#include "training_data.h"

namespace strata::cli {

CLI::App* add_detect_command(CLI::App& app, DetectArgs& args) {
  return add_canvas_command(
      app, args, "detect",
      "Evaluate a trained detector on the test canvases (mAP) and draw its boxes into a PNG", "centernet",
      "PNG grid of the first canvases with predicted boxes");
}

int run_detect(const DetectArgs& args) {
  const CanvasRun run = load_canvas_run(args);
  const Config& c = run.config;
  const TrainingData& d = run.data;
  const auto detector = std::dynamic_pointer_cast<models::CenterNetImpl>(run.model);
  STRATA_CHECK(detector, "detect: {} trains model '{}', not a detector; detect runs centernet configs",
               args.config, run.config.model.zoo.empty() ? run.config.model.name : run.config.model.zoo);
  load_weights(*run.model, args.checkpoint, args.config);
  detector->eval();
  metrics::MeanAveragePrecision map;
  std::vector<Tensor> drawn;
  data::DataLoader loader(d.test, {.batch_size = c.data.eval_batch_size, .collate = d.collate});
  for (const data::Batch& batch : loader) {
    const std::vector<metrics::Detections> dets = detector->detect(batch.input);
    for (int64_t i = 0; i < batch.size(); ++i) {
      const metrics::Detections& det = dets[static_cast<size_t>(i)];
      const auto [boxes, labels] = data::vision::boxes_from_target(batch.target.select(0, i));
      map.update(det, {boxes, labels});
      if (!args.out.empty() && static_cast<int64_t>(drawn.size()) < args.count) {
        // Boxes scoring under 0.3 are left out of the picture (they still count for mAP).
        std::vector<int64_t> keep;
        const auto scores = det.scores.to_vector<float>();
        for (size_t j = 0; j < scores.size(); ++j) {
          if (scores[j] >= 0.3f) keep.push_back(static_cast<int64_t>(j));
        }
        const Tensor idx = from_vector(keep);
        drawn.push_back(metrics::draw_boxes(batch.input.select(0, i), ops::index_select(det.boxes, 0, idx),
                                            ops::index_select(det.labels, 0, idx),
                                            ops::index_select(det.scores, 0, idx), d.classes, 3));
      }
    }
  }
  if (!args.out.empty()) {
    data::image::save_grid(args.out, drawn, 4);
    std::cerr << fmt::format("strata detect: {} canvases with boxes -> {}\n", drawn.size(), args.out);
  }
  std::cout << fmt::format("{{\"images\": {}, \"map50\": {:.6g}, \"map\": {:.6g}}}", map.images(),
                           map.map_at(0.5), map.map())
            << std::endl;
  return 0;
}

}  // namespace strata::cli
