#pragma once
// Post-training static int8 quantisation of a trained float model.
//
// quantize(model, calibration, options) runs calibration images through the f32 model, recording the range
// of every Conv2d / Linear input (min-max or a percentile of |x|), then swaps those layers, in place, for
// QuantizedConv2d / QuantizedLinear. Layers are found in Sequentials and Graphs (the containers whose
// children can be swapped): a BatchNorm2d read only from a convolution is folded into it, a ReLU read only
// from the layer (or its batch norm) is fused, and an int8 layer that alone reads another's fused ReLU
// receives u8 activations (requantised in the first kernel, no f32 round trip). Each layer's int8 kernel is
// timed against its f32 kernel (with its batch norm and ReLU) at the timing batch size and kept only where it
// is faster; when a validation loader is given, layers are then reverted to f32, the most harmful first,
// until the test accuracy drop is within the budget. Layers held in other modules' members stay f32.
#include <cstdint>
#include <string>
#include <vector>

#include "strata/data/dataloader.h"
#include "strata/nn/module.h"

namespace strata::quantization {

enum class CalibrationMethod { MinMax, Percentile };

// "minmax" or "percentile"; anything else throws naming the choices.
CalibrationMethod parse_calibration_method(const std::string& name);

// The range of the values a layer sees during calibration.
class RangeObserver {
 public:
  // Records the values of x (f32): min, max and a sample of |x| for percentiles.
  void observe(const Tensor& x);
  // min and max over everything observed.
  float min() const { return min_; }
  float max() const { return max_; }
  // True when negative values were seen (activations then quantise to s8, else u8).
  bool is_signed() const { return min_ < 0.f; }
  // The p-th percentile (0..100) of |x| over the sample (linear interpolation).
  float abs_percentile(double p) const;
  // The quantisation scale: range / 127 (s8) or / 255 (u8), the range being max |x| or its percentile.
  float scale(CalibrationMethod method, double percentile) const;
  int64_t count() const { return count_; }

 private:
  float min_ = 0.f, max_ = 0.f;
  int64_t count_ = 0;
  std::vector<float> sample_;  // |x|, strided down to at most kSample values per call
};

struct QuantizeOptions {
  int64_t calibration_samples = 256;  // images drawn from the calibration loader
  CalibrationMethod method = CalibrationMethod::MinMax;
  double percentile = 99.99;
  data::DataLoader* validation = nullptr;  // measures accuracy for the fallback (null: no accuracy check)
  double accuracy_budget = 0.5;            // largest allowed drop of validation accuracy, in points
  int64_t timing_batch = 256;              // batch size the per-layer timings use
  bool require_faster = true;              // keep int8 only where it beats f32
};

// What quantize decided for one Conv2d / Linear.
struct LayerReport {
  std::string name;  // dotted path in the model
  std::string kind;  // "Conv2d" or "Linear"
  bool int8 = false;
  std::string reason;  // why it stayed f32 ("slower", "accuracy", "not in a Sequential or Graph", ...)
  double f32_ms = 0, int8_ms = 0;  // one forward at the timing batch (fastest of 7 runs)
  float input_scale = 0;
  bool input_signed = false, relu = false, u8_output = false;
  bool max_pool = false;      // the 2x2 max pool after the layer is fused into it
  bool residual_add = false;  // the residual Add (and ReLU) after it fused into it (QuantizedConv2dAdd)
  bool int8_weights = false;  // kept f32 (slower), its weights rounded to int8 values (I8 in the file)
};

struct QuantizeReport {
  std::vector<LayerReport> layers;
  double f32_accuracy = -1, int8_accuracy = -1;  // percent on the validation loader (-1: not measured)
};

// Quantises `model` in place (see above) and reports each layer's fate.
QuantizeReport quantize(nn::Module& model, data::DataLoader& calibration,
                        const QuantizeOptions& options = {});

// Top-1 accuracy (percent) of `model` on `loader` (targets are class indices).
double accuracy(nn::Module& model, data::DataLoader& loader);

// Writes a quantised model as safetensors: int8 weights as I8, scales and every float parameter as F32,
// and the layer recipe in the "strata.quantization" metadata entry (a model whose layers all stayed f32 is
// written too: loading it gives the f32 model).
void save_quantized(nn::Module& model, const std::string& path);

// True when `path` is a safetensors file written by save_quantized.
bool is_quantized_file(const std::string& path);

// Turns the float model `model` (the architecture the file was made from) into the quantised one stored at
// `path`. Throws naming the file and the problem for a file that is not a quantised model or does not fit.
void load_quantized(nn::Module& model, const std::string& path);

}  // namespace strata::quantization
