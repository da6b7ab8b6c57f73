// The strata side of the benchmark suite (bench/run): one workload per process, so peak RSS is the
// workload's own. `workloads W2 --threads 2` prints one JSON line per row (see harness.h); the PyTorch
// twins in bench/pytorch/ run the same shapes, initialisation, optimiser and data.
//
//   W1    MLP 784-256-128-10 ReLU, batch 128, SGD(lr 0.01, momentum 0.9), cross-entropy   (ms/step)
//   W2    LeNet-5, batch 64, Adam 1e-3                                                   (ms/step)
//   W3    CNN with BatchNorm and dropout, batch 128, Adam 1e-3                            (ms/step)
//   W1-BF16, W2-BF16, W3-BF16: the same under strata::autocast(kBFloat16) (rows "W1 bf16", ...)
//   W11   ResNet-20 (the zoo's, 1x28x28), batch 128, SGD momentum 0.9 nesterov             (ms/step)
//   W12   MobileNetV2 (the zoo's, width 1, 3x64x64, 9 classes), batch 32, AdamW 2e-3        (ms/step)
//   W6    GPT (the zoo's: 4 layers x 128 wide, 4 heads, T = 128, vocab 65), batch 32, AdamW  (ms/step)
//   W6-GEN  that GPT sampling 256 tokens after a 7-token prompt, with the KV cache and recomputing the
//         whole context for every token (strata only; rows "W6 generate cache" / "recompute") (ms/256 tokens)
//   W7    DCGAN-lite (the zoo's dcgan with width 32: generator 100 -> 64x7x7 -> 32x14x14 -> 1x28x28,
//         discriminator 32 -> 64 maps), batch 64: one discriminator step (BCE on real and detached fake) and
//         one generator step (non-saturating BCE), Adam(2e-4, 0.5/0.999) each                (ms/step)
//   W8    LeNet-5 inference without grad, batch 1 and 256                                 (ms/batch)
//   W8-INT8  LeNet-5 inference at batch 256: f32, and int8 after quantization::quantize (calibrated on 256
//         inputs, per-layer timing fallback); paired with PyTorch's static (fbgemm, else onednn) and dynamic
//         quantisation
//   W8-INT8-R20  the same for ResNet-20 as a graph (batch norms folded), beside PyTorch's static quantisation
//   W9    per-op overhead: no-grad 1x16 add; (x*w+b).sum().backward() on 1x16           (us/iteration)
//   W10   f32 matmul n = 256..2048, next to oneDNN and OpenBLAS called directly           (ms/product)
//   W13   attention forward + backward alone (causal, B 1, H 8, head 64), T = 128, 512, 2048,
//         one process per T so each row's peak RSS is its own (W13-128, W13-512, W13-2048)   (ms/step)
//   PEAK  the machine's fp32 peak from an FMA loop                                        (GFLOP/s)
//
// A training step is zero_grad + forward + loss + backward + optimiser step, on batches already in
// memory (four random batches, used in turn).
#include <cblas.h>
#include <immintrin.h>
#include <omp.h>
#include <time.h>

#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "harness.h"
#include "strata/compile/compile.h"
#include "strata/models/dcgan.h"
#include "strata/models/gpt.h"
#include "strata/models/lenet.h"
#include "strata/models/mlp.h"
#include "strata/models/zoo.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/quantization/quantize.h"
#include "strata/strata.h"

namespace {

using namespace strata;
using bench::Row;
using bench::Settings;

constexpr int kBatches = 4;

struct Data {
  std::vector<Tensor> x, y;
};

Data random_data(int64_t batch, int64_t classes, Generator& gen, const Shape& image = {1, 28, 28}) {
  Data d;
  Shape shape{batch};
  for (int64_t d : image) shape.push_back(d);
  for (int i = 0; i < kBatches; ++i) {
    d.x.push_back(randn(shape, {}, &gen));
    d.y.push_back(randint(0, classes, {batch}, {.dtype = kInt64}, &gen));
  }
  return d;
}

// One training step per sample; with `bf16` the forward and loss run under autocast(kBFloat16), as the
// PyTorch twin does with torch.autocast (the backward follows the forward's precision).
template <typename Opt>
void train(const char* name, const Settings& s, nn::Module& net, Opt& opt, int64_t batch, bool bf16,
           int64_t warmup = 10, const Shape& image = {1, 28, 28}, int64_t classes = 10) {
  Generator gen(0);
  const Data data = random_data(batch, classes, gen, image);
  int64_t i = 0;
  auto step = [&] {
    const Tensor& x = data.x[i % kBatches];
    const Tensor& y = data.y[i % kBatches];
    ++i;
    opt.zero_grad();
    Tensor loss;
    {
      const AutocastGuard precision(kBFloat16, bf16);
      loss = ops::cross_entropy(net(x), y);
    }
    loss.backward();
    opt.step();
  };
  Row r{name, bf16 ? "bf16" : "", "ms", bench::measure(s, warmup, 1, "ms", step)};
  bench::print(r, s);
}

// The same step through strata::compiler: traced once, replayed without per-op dispatch (rows "W1 compiled").
void train_compiled(const char* name, const Settings& s, nn::Module& net, optim::Optimizer& opt,
                    int64_t batch) {
  Generator gen(0);
  const Data data = random_data(batch, 10, gen);
  compiler::CompiledTrainingStep compiled(net, opt);
  int64_t i = 0;
  auto step = [&] {
    compiled.step(data.x[i % kBatches], data.y[i % kBatches]);
    ++i;
  };
  Row r{name, "compiled", "ms", bench::measure(s, 10, 1, "ms", step)};
  bench::print(r, s);
}

void w1_compiled(const Settings& s) {
  manual_seed(0);
  nn::Sequential net = models::mlp({784, 256, 128, 10});
  optim::SGD opt(net->parameters(), {.lr = 0.01, .momentum = 0.9});
  train_compiled("W1", s, *net, opt, 128);
}

void w2_compiled(const Settings& s) {
  manual_seed(0);
  nn::Sequential net = models::lenet5();
  optim::Adam opt(net->parameters(), {.lr = 1e-3});
  train_compiled("W2", s, *net, opt, 64);
}

void w1(const Settings& s, bool bf16) {
  manual_seed(0);
  nn::Sequential net = models::mlp({784, 256, 128, 10});
  optim::SGD opt(net->parameters(), {.lr = 0.01, .momentum = 0.9});
  train("W1", s, *net, opt, 128, bf16);
}

void w2(const Settings& s, bool bf16) {
  manual_seed(0);
  nn::Sequential net = models::lenet5();
  optim::Adam opt(net->parameters(), {.lr = 1e-3});
  train("W2", s, *net, opt, 64, bf16);
}

// conv 1->32 3x3 pad 1, BN, ReLU; conv 32->64 3x3 pad 1, BN, ReLU, maxpool 2; conv 64->128 3x3 pad 1,
// ReLU, maxpool 2; 6272 -> 256, ReLU, dropout 0.25, -> 10.
nn::Sequential w3_net() {
  return nn::Sequential(nn::Conv2d(1, 32, 3, {.padding = 1}), nn::BatchNorm2d(32), nn::ReLU(),
                        nn::Conv2d(32, 64, 3, {.padding = 1}), nn::BatchNorm2d(64), nn::ReLU(),
                        nn::MaxPool2d(2), nn::Conv2d(64, 128, 3, {.padding = 1}), nn::ReLU(),
                        nn::MaxPool2d(2), nn::Flatten(), nn::Linear(6272, 256), nn::ReLU(), nn::Dropout(0.25),
                        nn::Linear(256, 10));
}

void w3(const Settings& s, bool bf16) {
  manual_seed(0);
  nn::Sequential net = w3_net();
  optim::Adam opt(net->parameters(), {.lr = 1e-3});
  train("W3", s, *net, opt, 128, bf16, 3);
}

// The zoo's ResNet-20 on Fashion-MNIST-shaped input, as configs/fashion_resnet20.yaml trains it.
void w11(const Settings& s) {
  manual_seed(0);
  auto net = models::create("resnet20", {.num_classes = 10, .in_channels = 1});
  optim::SGD opt(net->parameters(), {.lr = 0.1, .momentum = 0.9, .weight_decay = 5e-4, .nesterov = true});
  train("W11", s, *net, opt, 128, false, 3);
}

// The zoo's MobileNetV2 on emoji-shaped input, as configs/emoji_mobilenetv2.yaml trains it.
void w12(const Settings& s) {
  manual_seed(0);
  auto net = models::create("mobilenet_v2", {.num_classes = 9});
  optim::AdamW opt(net->parameters(), {.lr = 2e-3, .weight_decay = 0.05});
  train("W12", s, *net, opt, 32, false, 3, {3, 64, 64}, 9);
}

void w8(const Settings& s) {
  manual_seed(0);
  nn::Sequential net = models::lenet5();
  net->eval();
  NoGradGuard no_grad;
  for (int64_t batch : {1, 256}) {
    Generator gen(0);
    const Tensor x = randn({batch, 1, 28, 28}, {}, &gen);
    // Batch 1 is tens of microseconds: time groups of forwards so clock reads do not matter.
    const int64_t inner = batch == 1 ? 20 : 1;
    auto step = [&] {
      for (int64_t k = 0; k < inner; ++k) net(x);
    };
    Row r{"W8", "batch " + std::to_string(batch), "ms", bench::measure(s, 10, inner, "ms", step)};
    bench::print(r, s);
  }
}

// LeNet-5 at batch 256, f32 and int8 (the int8 row is printed twice, once beside PyTorch's static and once
// beside its dynamic quantisation).
void w8_int8(const Settings& s) {
  manual_seed(0);
  nn::Sequential net = models::lenet5();
  net->eval();
  NoGradGuard no_grad;
  Generator gen(0);
  const Tensor x = randn({256, 1, 28, 28}, {}, &gen);
  auto time = [&] { return bench::measure(s, 10, 1, "ms", [&] { net(x); }); };
  bench::print(Row{"W8-INT8", "batch 256 f32", "ms", time()}, s);
  auto calibration_set = std::make_shared<data::TensorDataset>(randn({256, 1, 28, 28}, {}, &gen),
                                                               zeros({256}, {.dtype = kInt64}));
  data::DataLoader calibration(calibration_set, {.batch_size = 64});
  quantization::quantize(*net, calibration, {.calibration_samples = 256});
  const auto int8 = time();
  bench::print(Row{"W8-INT8", "batch 256 int8 (torch: static)", "ms", int8}, s);
  bench::print(Row{"W8-INT8", "batch 256 int8 (torch: dynamic)", "ms", int8}, s);
}

// ResNet-20 (1x28x28, 10 classes) as an nn::Graph of graph blocks, the layout configs/fashion_resnet20.yaml
// builds (the twin of bench/pytorch/w8_resnet20_int8.py).
nn::Graph resnet20_graph() {
  nn::Graph g;
  g->add("conv1", nn::Conv2d(1, 16, 3, {.padding = 1, .bias = false}));
  g->add("bn1", nn::BatchNorm2d(16));
  g->add("relu", nn::ReLU());
  int64_t in = 16;
  for (int stage = 0; stage < 3; ++stage) {
    const int64_t ch = int64_t{16} << stage;
    for (int b = 0; b < 3; ++b) {
      const int64_t stride = stage > 0 && b == 0 ? 2 : 1;
      nn::Graph blk;
      blk->add("conv1", nn::Conv2d(in, ch, 3, {.stride = stride, .padding = 1, .bias = false}));
      blk->add("bn1", nn::BatchNorm2d(ch));
      blk->add("relu1", nn::ReLU());
      blk->add("conv2", nn::Conv2d(ch, ch, 3, {.padding = 1, .bias = false}));
      blk->add("bn2", nn::BatchNorm2d(ch));
      if (stride != 1 || in != ch) {
        blk->add(
            "downsample",
            nn::Sequential(nn::Conv2d(in, ch, 1, {.stride = stride, .bias = false}), nn::BatchNorm2d(ch)),
            {"input"});
        blk->add("sum", nn::Add(), {"bn2", "downsample"});
      } else {
        blk->add("sum", nn::Add(), {"bn2", "input"});
      }
      blk->add("relu2", nn::ReLU());
      g->add("layer" + std::to_string(stage + 1) + "_" + std::to_string(b), blk.ptr());
      in = ch;
    }
  }
  g->add("avgpool", nn::AdaptiveAvgPool2d(1));
  g->add("flatten", nn::Flatten());
  g->add("fc", nn::Linear(64, 10));
  return g;
}

// ResNet-20 at batch 256, f32 and int8 (the int8 row beside PyTorch's static quantisation of its twin).
void w8_int8_resnet(const Settings& s) {
  manual_seed(0);
  nn::Graph net = resnet20_graph();
  net->eval();
  NoGradGuard no_grad;
  Generator gen(0);
  const Tensor x = randn({256, 1, 28, 28}, {}, &gen);
  auto time = [&] { return bench::measure(s, 3, 1, "ms", [&] { net(x); }); };
  bench::print(Row{"W8-INT8-R20", "ResNet-20 batch 256 f32", "ms", time()}, s);
  auto calibration_set = std::make_shared<data::TensorDataset>(randn({256, 1, 28, 28}, {}, &gen),
                                                               zeros({256}, {.dtype = kInt64}));
  data::DataLoader calibration(calibration_set, {.batch_size = 64});
  quantization::quantize(*net, calibration, {.calibration_samples = 256});
  bench::print(Row{"W8-INT8-R20", "ResNet-20 batch 256 int8 (torch: static)", "ms", time()}, s);
}

// Causal self-attention at sequence length T: F::scaled_dot_product_attention forward and backward on
// [1, 8, T, 64] q, k, v (the PyTorch twin writes softmax(q k^T / 8 + causal mask) v with explicit ops).
void w13(const Settings& s, int64_t T) {
  Generator gen(0);
  const Shape shape{1, 8, T, 64};
  Tensor q = randn(shape, {}, &gen).requires_grad_(), k = randn(shape, {}, &gen).requires_grad_(),
         v = randn(shape, {}, &gen).requires_grad_();
  const Tensor g = randn(shape, {}, &gen);
  auto step = [&] {
    for (Tensor* t : {&q, &k, &v}) t->zero_grad();
    ops::scaled_dot_product_attention(q, k, v, {}, 0.0, true).backward(g);
  };
  bench::print(
      Row{"W13", "T=" + std::to_string(T), "ms", bench::measure(s, T >= 2048 ? 2 : 5, 1, "ms", step)}, s);
}

void w9(const Settings& s) {
  constexpr int64_t kInner = 1000;
  {
    const Tensor a = randn({1, 16});
    const Tensor b = randn({1, 16});
    auto step = [&] {
      for (int64_t k = 0; k < kInner; ++k) ops::add(a, b);
    };
    bench::print(Row{"W9", "add 1x16 no grad", "us", bench::measure(s, 10, kInner, "us", step)}, s);
  }
  {
    Tensor x = randn({1, 16}).requires_grad_();
    Tensor w = randn({1, 16}).requires_grad_();
    Tensor b = randn({1, 16}).requires_grad_();
    auto step = [&] {
      for (int64_t k = 0; k < kInner; ++k) {
        (x * w + b).sum().backward();
        x.zero_grad();
        w.zero_grad();
        b.zero_grad();
      }
    };
    bench::print(Row{"W9", "(x*w+b).sum().backward()", "us", bench::measure(s, 10, kInner, "us", step)}, s);
  }
}

// oneDNN's matmul primitive created once; only execute() is timed.
struct DirectOnednn {
  explicit DirectOnednn(int64_t n)
      : eng(dnnl::engine::kind::cpu, 0),
        strm(eng),
        md({n, n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab),
        prim(dnnl::matmul::primitive_desc(dnnl::matmul::desc(md, md, md), eng)) {}
  void run(const Tensor& a, const Tensor& b, const Tensor& c) {
    const dnnl::memory ma(md, eng, a.raw_data()), mb(md, eng, b.raw_data()), mc(md, eng, c.raw_data());
    prim.execute(strm, {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}});
    strm.wait();
  }
  dnnl::engine eng;
  dnnl::stream strm;
  dnnl::memory::desc md;
  dnnl::matmul prim;
};

void w10(const Settings& s) {
  openblas_set_num_threads(s.threads);
  for (int64_t n : {256, 512, 1024, 2048}) {
    Generator gen(0);
    const Tensor a = randn({n, n}, {}, &gen);
    const Tensor b = randn({n, n}, {}, &gen);
    const Tensor c = empty({n, n});
    const int64_t inner = std::max<int64_t>(1, (512 * 512 * 512) / (n * n * n) * 4);
    auto strata_step = [&] {
      for (int64_t k = 0; k < inner; ++k) ops::matmul(a, b);
    };
    DirectOnednn direct(n);
    auto onednn_step = [&] {
      for (int64_t k = 0; k < inner; ++k) direct.run(a, b, c);
    };
    auto blas_step = [&] {
      const int ni = static_cast<int>(n);
      for (int64_t k = 0; k < inner; ++k)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ni, ni, ni, 1.0f, a.data_ptr<float>(), ni,
                    b.data_ptr<float>(), ni, 0.0f, c.data_ptr<float>(), ni);
    };
    // Interleave the three so load changes hit all of them; each gets a third of the time budget.
    Settings part = s;
    part.min_time = s.min_time / 3;
    bench::Samples st = bench::measure(part, 3, inner, "ms", strata_step);
    const std::vector<double> od = bench::measure(part, 3, inner, "ms", onednn_step).wall;
    const std::vector<double> ob = bench::measure(part, 3, inner, "ms", blas_step).wall;
    char extra[160];
    std::snprintf(extra, sizeof extra, "\"onednn_ms\": %.6g, \"openblas_ms\": %.6g",
                  bench::percentile(od, 0.5), bench::percentile(ob, 0.5));
    bench::print(Row{"W10", "n=" + std::to_string(n), "ms", st, extra}, s);
  }
}

// ---- fp32 peak: independent FMA chains in registers, on every thread --------------------------------

__attribute__((target("avx512f"))) double fma_loop_avx512(int64_t iters) {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], m, c);
  }
  __m512 sum = acc[0];
  for (int i = 1; i < 16; ++i) sum = _mm512_add_ps(sum, acc[i]);
  alignas(64) float out[16];
  _mm512_store_ps(out, sum);
  return out[0];
}

double fma_loop_avx2(int64_t iters) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i) * 1e-3f);
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], m, c);
  }
  __m256 sum = acc[0];
  for (int i = 1; i < 12; ++i) sum = _mm256_add_ps(sum, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, sum);
  return out[0];
}

// Thread CPU time, so a loaded machine (the loop's thread descheduled) does not lower the peak.
double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void peak(const Settings& s) {
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const double flops_per_iter = avx512 ? 16 * 16 * 2 : 12 * 8 * 2;
  constexpr int64_t kIters = 20'000'000;
  double sink = 0;
  std::vector<double> gflops;  // per thread, per CPU-second
  const auto start = bench::Clock::now();
  while (gflops.size() < 5 ||
         std::chrono::duration<double>(bench::Clock::now() - start).count() < s.min_time) {
#pragma omp parallel num_threads(s.threads) reduction(+ : sink)
    {
      const double t0 = thread_seconds();
      const double v = avx512 ? fma_loop_avx512(kIters) : fma_loop_avx2(kIters);
      const double sec = thread_seconds() - t0;
      sink += v;
#pragma omp critical
      gflops.push_back(flops_per_iter * static_cast<double>(kIters) / sec / 1e9);
    }
    if (gflops.size() >= 200) break;
  }
  // The machine's peak at `threads` threads: the best per-core rate (frequency varies) times threads.
  const double per_core = bench::percentile(gflops, 0.9);
  std::printf(
      "{\"workload\": \"PEAK\", \"variant\": \"%s FMA loop\", \"threads\": %d, \"unit\": \"GFLOP/s\", "
      "\"median\": %.6g, \"p10\": %.6g, \"p90\": %.6g, \"per_core\": %.6g, \"steps\": %zu, \"sink\": %g}\n",
      avx512 ? "AVX-512" : "AVX2", s.threads, per_core * s.threads,
      bench::percentile(gflops, 0.1) * s.threads, bench::percentile(gflops, 1.0) * s.threads, per_core,
      gflops.size(), sink);
}

}  // namespace

// The zoo's GPT as configs/moby_gpt.yaml trains it, on character-shaped tokens: next-token cross-entropy
// over [B * T, V], AdamW(3e-4, weight decay 0.1).
void w6(const Settings& s) {
  manual_seed(0);
  constexpr int64_t kBatch = 32, kT = 128, kVocab = 65;
  models::GPT net(
      models::GPTConfig{.vocab_size = kVocab, .block_size = kT, .n_layer = 4, .n_head = 4, .n_embd = 128});
  optim::AdamW opt(net->parameters(), {.lr = 3e-4, .weight_decay = 0.1});
  Generator gen(0);
  std::vector<Tensor> x, y;
  for (int i = 0; i < kBatches; ++i) {
    x.push_back(randint(0, kVocab, {kBatch, kT}, {.dtype = kInt64}, &gen));
    y.push_back(randint(0, kVocab, {kBatch * kT}, {.dtype = kInt64}, &gen));
  }
  int64_t i = 0;
  auto step = [&] {
    const Tensor& xi = x[static_cast<size_t>(i % kBatches)];
    const Tensor& yi = y[static_cast<size_t>(i % kBatches)];
    ++i;
    opt.zero_grad();
    const Tensor loss = ops::cross_entropy(net(xi).reshape({kBatch * kT, kVocab}), yi);
    loss.backward();
    opt.step();
  };
  Row r{"W6", "", "ms", bench::measure(s, 3, 1, "ms", step)};
  bench::print(r, s);
}

// DCGAN-lite: models::DCGAN's own training step (two networks, two optimisers), on random "real" images.
void w7(const Settings& s) {
  manual_seed(0);
  auto gan = std::make_shared<models::DCGAN>(models::DCGANOptions{.latent_dim = 100, .width = 32});
  const auto optimizers = gan->configure_optimizers();
  Generator gen(0);
  std::vector<data::Batch> batches;
  for (int i = 0; i < kBatches; ++i)
    batches.push_back(
        {ops::tanh(randn({64, 1, 28, 28}, {}, &gen)), randint(0, 10, {64}, {.dtype = kInt64}, &gen)});
  train::LogAccumulator logs;
  int64_t i = 0;
  auto step = [&] {
    train::StepContext ctx(optimizers, logs, i, 0, 64);
    gan->training_step(batches[static_cast<size_t>(i % kBatches)], ctx);
    ++i;
  };
  Row r{"W7", "", "ms", bench::measure(s, 5, 1, "ms", step)};
  bench::print(r, s);
}

// Text generation with the W6 model: the KV cache against recomputing the context for every token.
void w6_generate(const Settings& s) {
  manual_seed(0);
  models::GPT net(
      models::GPTConfig{.vocab_size = 65, .block_size = 128, .n_layer = 4, .n_head = 4, .n_embd = 128});
  const std::vector<int64_t> prompt = {1, 2, 3, 4, 5, 6, 7};
  const models::GPTSampling sampling{.temperature = 0.8, .top_k = 20};
  for (const bool cached : {true, false}) {
    auto step = [&] {
      Generator gen(0);
      const auto ids = cached ? net->generate(prompt, 256, sampling, gen)
                              : net->generate_uncached(prompt, 256, sampling, gen);
      if (ids.size() != 256) std::abort();
    };
    Row r{"W6", cached ? "generate cache" : "generate recompute", "ms", bench::measure(s, 1, 1, "ms", step)};
    bench::print(r, s);
  }
}

int main(int argc, char** argv) {
  std::vector<std::string> names;
  const Settings s = bench::parse(argc, argv, names);
  if (names.empty()) {
    std::fprintf(stderr,
                 "usage: workloads "
                 "W1|W2|W3|W1-BF16|W2-BF16|W3-BF16|W1-COMPILED|W2-COMPILED|W6|W6-GEN|W7|W8|W8-INT8|W8-INT8-"
                 "R20|W9|W10|W11|W12|W13-128|"
                 "W13-512|W13-"
                 "2048|PEAK ... "
                 "[--threads N] "
                 "[--min-steps N] "
                 "[--min-time S] [--warmup N]\n");
    return 2;
  }
  set_num_threads(s.threads);
  const std::unordered_map<std::string, void (*)(const Settings&)> table = {
      {"W1", [](const Settings& st) { w1(st, false); }},
      {"W2", [](const Settings& st) { w2(st, false); }},
      {"W3", [](const Settings& st) { w3(st, false); }},
      {"W1-BF16", [](const Settings& st) { w1(st, true); }},
      {"W1-COMPILED", w1_compiled},
      {"W2-COMPILED", w2_compiled},
      {"W2-BF16", [](const Settings& st) { w2(st, true); }},
      {"W3-BF16", [](const Settings& st) { w3(st, true); }},
      {"W6", w6},
      {"W6-GEN", w6_generate},
      {"W7", w7},
      {"W8", w8},
      {"W8-INT8", w8_int8},
      {"W8-INT8-R20", w8_int8_resnet},
      {"W9", w9},
      {"W10", w10},
      {"W11", w11},
      {"W12", w12},
      {"W13-128", [](const Settings& st) { w13(st, 128); }},
      {"W13-512", [](const Settings& st) { w13(st, 512); }},
      {"W13-2048", [](const Settings& st) { w13(st, 2048); }},
      {"PEAK", peak}};
  for (const std::string& n : names) {
    auto it = table.find(n);
    if (it == table.end()) {
      std::fprintf(stderr, "workloads: unknown workload %s\n", n.c_str());
      return 2;
    }
    try {
      it->second(s);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "workloads: %s failed: %s\n", n.c_str(), e.what());
      return 1;
    }
  }
  return 0;
}
