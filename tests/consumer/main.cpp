// Trains a one-layer model a few steps with the installed strata and prints the version and whether the
// loss fell; exits non-zero if it did not.
#include <strata/core.h>
#include <strata/nn.h>
#include <strata/ops.h>
#include <strata/optim.h>
#include <strata/version.h>

#include <cstdio>

int main() {
  using namespace strata;
  manual_seed(0);
  const Tensor x = randn({32, 4});
  const Tensor y = ops::matmul(x, from_vector<float>({1.0f, -2.0f, 0.5f, 3.0f}, {4, 1}));
  nn::Linear model(4, 1);
  optim::SGD sgd(model->parameters(), {.lr = 0.1});
  nn::MSELoss loss_fn;
  double first = 0.0, last = 0.0;
  for (int step = 0; step < 20; ++step) {
    sgd.zero_grad();
    Tensor loss = loss_fn(model->forward(x), y);
    loss.backward();
    sgd.step();
    (step == 0 ? first : last) = loss.item();
  }
  std::printf("strata %s: loss %.4f -> %.4f\n", kVersion, first, last);
  return last < first / 10 ? 0 : 1;
}
