#include "quantize_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "model_builder.h"
#include "strata/autograd/grad_mode.h"
#include "strata/data.h"
#include "strata/io/model_state.h"
#include "strata/quantization/quantize.h"
#include "training_data.h"

namespace strata::cli {
namespace fs = std::filesystem;

namespace {

// Milliseconds of one forward of `model` on x: the fastest of 9 runs (robust on a shared machine).
double forward_ms(nn::Module& model, const Tensor& x) {
  autograd::NoGradGuard no_grad;
  model.forward(x);
  std::vector<double> t;
  for (int i = 0; i < 9; ++i) {
    const auto start = std::chrono::steady_clock::now();
    model.forward(x);
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return *std::min_element(t.begin(), t.end());
}

}  // namespace

int run_quantize(const QuantizeArgs& args) {
  const Config c = load(args);
  STRATA_CHECK(fs::is_regular_file(args.checkpoint), "checkpoint {} does not exist", args.checkpoint);
  STRATA_CHECK(!args.out.empty(), "--out is required");
  STRATA_CHECK(args.calibration > 0, "--calibration must be positive, got {}", args.calibration);
  TrainingData d = load_training_data(c, true);
  STRATA_CHECK(d.train != nullptr, "strata quantize: {} has no training split to calibrate on", c.path);
  auto build = [&] {
    std::shared_ptr<nn::Module> m = build_model(c, d);
    const nn::StateDict state = io::load_model_state(args.checkpoint);
    try {
      m->load_state_dict(state);
    } catch (const Error& e) {
      STRATA_FAIL("checkpoint {} does not fit the model of {}: {}", args.checkpoint, c.path, e.what());
    }
    m->eval();
    return m;
  };
  const std::shared_ptr<nn::Module> f32 = build();
  const std::shared_ptr<nn::Module> model = build();
  data::DataLoader calibration(d.train, {.batch_size = 64, .shuffle = true, .seed = 0, .collate = d.collate});
  data::DataLoader test(d.test, {.batch_size = c.data.eval_batch_size, .collate = d.collate});
  quantization::QuantizeOptions options;
  options.calibration_samples = args.calibration;
  options.method = quantization::parse_calibration_method(args.method);
  options.percentile = args.percentile;
  options.validation = &test;
  options.accuracy_budget = args.budget;
  const auto report = quantization::quantize(*model, calibration, options);

  std::cout << fmt::format("{:<22} {:<7} {:<5} {:>10} {:>10} {:>8}  {}\n", "layer", "kind", "int8", "f32 ms",
                           "int8 ms", "speedup", "notes");
  for (const auto& l : report.layers) {
    std::string notes =
        l.int8 ? fmt::format("in {} scale {:.4g}{}{}", l.input_signed ? "s8" : "u8", l.input_scale,
                             l.relu ? ", relu fused" : "", l.u8_output ? ", u8 out" : "") +
                     (l.max_pool ? ", max pool fused" : "") + (l.residual_add ? ", residual add fused" : "")
               : "f32: " + l.reason + (l.int8_weights ? " (int8 weights)" : "");
    std::cout << fmt::format("{:<22} {:<7} {:<5} {:>10.3f} {:>10.3f} {:>7.2f}x  {}\n", l.name, l.kind,
                             l.int8 ? "yes" : "no", l.f32_ms, l.int8_ms,
                             l.int8_ms > 0 ? l.f32_ms / l.int8_ms : 0.0, notes);
  }
  quantization::save_quantized(*model, args.out);
  // Whole-model speed at W8 (batch 256) on real test images.
  std::vector<Tensor> inputs;
  for (const data::Batch& b : test) {
    inputs.push_back(b.input);
    if (b.size() >= 256) break;
  }
  Tensor x = inputs.front();
  if (x.size(0) > 256) x = x.slice(0, 0, 256);
  const double f32_ms = forward_ms(*f32, x), int8_ms = forward_ms(*model, x);
  int64_t f32_bytes = 0;
  for (const auto& [name, t] : f32->state_dict())
    f32_bytes += t.numel() * static_cast<int64_t>(t.element_size());
  const auto q_bytes = static_cast<int64_t>(fs::file_size(args.out));
  std::cout << fmt::format("test accuracy: f32 {:.2f}%, int8 {:.2f}% ({:+.2f} points)\n", report.f32_accuracy,
                           report.int8_accuracy, report.int8_accuracy - report.f32_accuracy);
  std::cout << fmt::format("forward, batch {}: f32 {:.3f} ms, int8 {:.3f} ms ({:.2f}x)\n", x.size(0), f32_ms,
                           int8_ms, f32_ms / int8_ms);
  std::cout << fmt::format("size: f32 weights {} bytes, {} {} bytes ({:.2f}x smaller)\n", f32_bytes, args.out,
                           q_bytes, static_cast<double>(f32_bytes) / static_cast<double>(q_bytes));
  return 0;
}

}  // namespace strata::cli
