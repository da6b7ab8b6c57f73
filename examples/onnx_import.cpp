// Imports an ONNX model (exported by PyTorch, onnxruntime's zoo, strata, ...) and runs it with strata; with a
// safetensors file holding `input` and the exporter's `output`, reports how closely strata reproduces it.
// Usage: onnx_import MODEL.onnx [IO.safetensors]
#include <chrono>
#include <cstdio>

#include "strata/autograd/grad_mode.h"
#include "strata/io/onnx.h"
#include "strata/io/safetensors.h"
#include "strata/strata.h"

int main(int argc, char** argv) {
  using namespace strata;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.onnx [IO.safetensors]\n", argv[0]);
    return 2;
  }
  try {
    auto model = onnx::import_model(argv[1]);
    model->eval();
    std::printf("%s: opset %lld, %zu nodes, %lld parameters\n", argv[1], static_cast<long long>(model->opset()),
                model->node_types().size(), static_cast<long long>(model->num_parameters()));
    if (argc < 3) return 0;
    const auto io = io::load_safetensors(argv[2]);
    autograd::NoGradGuard no_grad;
    const auto start = std::chrono::steady_clock::now();
    const Tensor out = model->forward(io.at("input"));
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const Tensor expected = io.at("output");
    const double max_abs = F::sub(out, expected).abs().max().item<double>();
    const double scale = expected.abs().max().item<double>();
    const bool same_top1 = F::eq(out.argmax(1), expected.argmax(1)).to(kInt64).sum().item<int64_t>() == out.size(0);
    std::printf("output %s: max |strata - reference| = %.3g (relative to max |reference| %.3g: %.3g), "
                "same top-1: %s, forward %.1f ms\n",
                out.shape().str().c_str(), max_abs, scale, max_abs / scale, same_top1 ? "yes" : "no", ms);
    return max_abs / scale <= 1e-4 ? 0 : 1;
  } catch (const Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
