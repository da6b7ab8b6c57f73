// CRNN: two conv blocks (3x3, batch norm, ReLU) pool frequency by 4 and time by 2; the feature map at each
// remaining step (channels x bands) feeds a bidirectional GRU, whose outputs a linear layer maps to classes.
#include "strata/models/crnn.h"

#include "strata/core/factory.h"
#include "strata/nn/activation.h"
#include "strata/nn/normalization.h"
#include "strata/nn/pooling.h"
#include "strata/ops/softmax.h"

namespace strata::models {

CRNNImpl::CRNNImpl(int64_t n_mels, int64_t num_classes, CRNNOptions o) : Module("CRNN") {
  STRATA_CHECK(n_mels >= 4 && num_classes >= 2, "CRNN: needs n_mels >= 4 and num_classes >= 2, got {} and {}",
               n_mels, num_classes);
  const int64_t c1 = std::max<int64_t>(o.channels / 2, 1), c2 = o.channels;
  features = nn::Sequential(nn::Conv2d(1, c1, 3, {.padding = 1}), nn::BatchNorm2d(c1), nn::ReLU(),
                            nn::MaxPool2d(nn::Size2{2, 2}), nn::Conv2d(c1, c2, 3, {.padding = 1}),
                            nn::BatchNorm2d(c2), nn::ReLU(), nn::MaxPool2d(nn::Size2{2, 1}));
  rnn = nn::GRU(c2 * (n_mels / 4), o.hidden,
                {.num_layers = o.num_layers, .batch_first = true, .bidirectional = true});
  head = nn::Linear(2 * o.hidden, num_classes);
  register_module("features", features.ptr());
  register_module("rnn", rnn.ptr());
  register_module("head", head.ptr());
}

Tensor CRNNImpl::forward(const Tensor& x) {
  return forward(x, full({x.size(0)}, static_cast<double>(x.size(-1)), {.dtype = kInt64})).first;
}

std::pair<Tensor, Tensor> CRNNImpl::forward(const Tensor& x, const Tensor& frames) {
  STRATA_CHECK(x.dim() == 4 && x.size(1) == 1, "CRNN: expected features [N, 1, n_mels, T], got {}",
               x.shape().str());
  Tensor h = features(x);                                           // [N, C, F, T/2]
  h = h.permute({0, 3, 1, 2}).reshape({h.size(0), h.size(3), -1});  // [N, T/2, C*F]
  std::vector<int64_t> steps = frames.to_vector<int64_t>();
  for (int64_t& s : steps) s = std::clamp<int64_t>(output_steps(s), 1, h.size(1));
  const Tensor lengths = from_vector(steps, {static_cast<int64_t>(steps.size())});
  Tensor y = rnn->forward(h, Tensor(), lengths).output;  // [N, T/2, 2H]
  y = ops::log_softmax(head(y), 2);
  return {y.transpose(0, 1), lengths};  // [T/2, N, classes]
}

}  // namespace strata::models
