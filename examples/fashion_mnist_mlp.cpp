// Trains a two-layer perceptron on Fashion-MNIST with the tensor engine alone (ops + autograd + a
// hand-written SGD step), reports test accuracy and writes a checkpoint and a metrics log.
//
//   fashion_mnist_mlp [--epochs N] [--out DIR]
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <string>

#include "strata/data/mnist.h"
#include "strata/io/safetensors.h"
#include "strata/strata.h"

using namespace strata;

namespace {

struct Mlp {
  Tensor w1, b1, w2, b2;

  explicit Mlp(int64_t hidden) {
    // PyTorch's nn.Linear default: U(-1/sqrt(in), 1/sqrt(in)) for weights and biases.
    auto uniform = [](Shape shape, int64_t fan_in) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
      return (rand(shape) * (2 * bound) - bound).detach().requires_grad_();
    };
    w1 = uniform({hidden, 784}, 784);
    b1 = uniform({hidden}, 784);
    w2 = uniform({10, hidden}, hidden);
    b2 = uniform({10}, hidden);
  }
  Tensor forward(const Tensor& x) const { return F::linear(F::relu(F::linear(x, w1, b1)), w2, b2); }
  std::vector<Tensor> parameters() const { return {w1, b1, w2, b2}; }
};

// Mean negative log-likelihood of the true class.
Tensor cross_entropy(const Tensor& logits, const Tensor& labels) {
  return -F::gather(F::log_softmax(logits, 1), 1, labels.unsqueeze(1)).mean();
}

Tensor to_inputs(const Tensor& images) { return (images.to(kFloat32) / 255.0 - 0.2860) / 0.3530; }

double accuracy(const Mlp& net, const Tensor& x, const Tensor& y) {
  NoGradGuard no_grad;
  const Tensor pred = net.forward(x).argmax(1);
  return F::eq(pred, y).sum().item() / static_cast<double>(y.size(0));
}

void progress(int epoch, int epochs, int64_t step, int64_t steps, double loss, double elapsed) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * (step + 1) / steps);
  std::cout << "\repoch " << epoch << "/" << epochs << " [" << std::string(filled, '=')
            << std::string(kWidth - filled, ' ') << "] " << step + 1 << "/" << steps << "  loss "
            << fmt::format("{:.4f}", loss) << "  " << fmt::format("{:.1f}s", elapsed) << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = 3;
  std::string out_dir = "runs/fashion_mnist_mlp";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--epochs") && i + 1 < argc) {
      epochs = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--out") && i + 1 < argc) {
      out_dir = argv[++i];
    } else {
      std::cerr << "usage: fashion_mnist_mlp [--epochs N] [--out DIR]\n";
      return 2;
    }
  }
  try {
    manual_seed(0);
    const data::ImageSplit train = data::load_fashion_mnist(true);
    const data::ImageSplit test = data::load_fashion_mnist(false);
    const Tensor x_train = to_inputs(train.images.reshape({-1, 784}));
    const Tensor x_test = to_inputs(test.images.reshape({-1, 784}));
    std::cout << "Fashion-MNIST: " << x_train.size(0) << " train, " << x_test.size(0) << " test images\n";

    Mlp net(256);
    std::vector<Tensor> velocity;
    for (const Tensor& p : net.parameters()) velocity.push_back(zeros_like(p));
    const double lr = 0.05, momentum = 0.9;
    const int64_t batch = 128, n = x_train.size(0), steps = n / batch;

    std::filesystem::create_directories(out_dir);
    std::ofstream log(out_dir + "/metrics.csv");
    log << "epoch,train_loss,test_accuracy,seconds\n";
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      const std::vector<int64_t> perm = randint(0, 1 << 30, {n}).to_vector<int64_t>();
      std::vector<int64_t> idx(n);
      std::iota(idx.begin(), idx.end(), 0);
      std::sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return perm[a] < perm[b]; });
      const Tensor shuffled = from_vector(idx);
      double total = 0;
      for (int64_t s = 0; s < steps; ++s) {
        const Tensor rows = shuffled.narrow(0, s * batch, batch);
        const Tensor xb = F::index_select(x_train, 0, rows);
        const Tensor yb = F::index_select(train.labels, 0, rows);
        for (const Tensor& p : net.parameters()) Tensor(p).zero_grad();
        Tensor loss = cross_entropy(net.forward(xb), yb);
        loss.backward();
        {
          NoGradGuard no_grad;
          auto params = net.parameters();
          for (size_t k = 0; k < params.size(); ++k) {
            velocity[k].mul_(momentum).add_(params[k].grad());
            params[k].sub_(velocity[k], lr);
          }
        }
        total += loss.item();
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (s % 20 == 0 || s + 1 == steps) progress(epoch, epochs, s, steps, total / (s + 1), secs);
      }
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double acc = accuracy(net, x_test, test.labels);
      std::cout << fmt::format("  test accuracy {:.2f}%\n", 100 * acc);
      log << fmt::format("{},{:.6f},{:.6f},{:.2f}\n", epoch, total / steps, acc, secs);
    }
    io::save_safetensors(
        out_dir + "/model.safetensors",
        {{"fc1.weight", net.w1}, {"fc1.bias", net.b1}, {"fc2.weight", net.w2}, {"fc2.bias", net.b2}},
        {{"model", "mlp-784-256-10"}});
    std::cout << "wrote " << out_dir << "/model.safetensors and " << out_dir << "/metrics.csv\n";
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
