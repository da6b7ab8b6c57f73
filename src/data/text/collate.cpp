#include "strata/data/text/collate.h"

#include <algorithm>
#include <cstring>

#include "strata/core/factory.h"

namespace strata::data::text {

PaddedBatch pad_sequences(const std::vector<Example>& examples, const PadOptions& options) {
  STRATA_CHECK(!examples.empty(), "pad_sequences: no examples to collate");
  STRATA_CHECK(options.max_length >= 0, "pad_sequences: max_length must be >= 0, got {}", options.max_length);
  const auto batch = static_cast<int64_t>(examples.size());
  std::vector<Tensor> seqs(examples.size());
  int64_t longest = 1;
  for (size_t i = 0; i < examples.size(); ++i) {
    const Tensor& x = examples[i].input;
    STRATA_CHECK(x.defined() && x.dim() == 1 && x.dtype() == kInt64,
                 "pad_sequences: example {} has input {} of shape {}; expected a 1-D i64 sequence", i,
                 x.defined() ? dtype_name(x.dtype()) : "undefined", x.defined() ? x.shape().str() : "[]");
    seqs[i] = x.device() == kCPU ? x.contiguous() : x.to(kCPU).contiguous();
    int64_t len = seqs[i].size(0);
    if (options.max_length > 0) len = std::min(len, options.max_length);
    longest = std::max(longest, len);
  }
  Tensor padded = full(Shape{batch, longest}, static_cast<double>(options.pad_id), {.dtype = kInt64});
  std::vector<int64_t> lengths(examples.size());
  int64_t* dst = padded.data_ptr<int64_t>();
  for (size_t i = 0; i < seqs.size(); ++i) {
    int64_t len = seqs[i].size(0);
    if (options.max_length > 0) len = std::min(len, options.max_length);
    if (len > 0) {
      std::memcpy(dst + static_cast<int64_t>(i) * longest, seqs[i].data_ptr<int64_t>(),
                  static_cast<size_t>(len) * sizeof(int64_t));
    }
    lengths[i] = std::max<int64_t>(len, 1);
  }
  // Targets: stack like default_collate (scalars -> [B]).
  std::vector<Example> targets_only(examples.size());
  for (size_t i = 0; i < examples.size(); ++i) targets_only[i].target = examples[i].target;
  Tensor target = default_collate(targets_only).target;
  return {options.batch_first ? padded : padded.t().contiguous(), from_vector(lengths), std::move(target)};
}

Collate pad_collate(PadOptions options) {
  return [options](const std::vector<Example>& examples) {
    PaddedBatch b = pad_sequences(examples, options);
    return Batch{std::move(b.input), std::move(b.target)};
  };
}

Tensor sequence_lengths(const Tensor& padded, int64_t pad_id) {
  STRATA_CHECK(padded.defined() && padded.dim() == 2 && padded.dtype() == kInt64,
               "sequence_lengths: expected an i64 [B, T] tensor, got {} of shape {}",
               padded.defined() ? dtype_name(padded.dtype()) : "undefined",
               padded.defined() ? padded.shape().str() : "[]");
  const Tensor p = padded.device() == kCPU ? padded.contiguous() : padded.to(kCPU).contiguous();
  const int64_t b = p.size(0), t = p.size(1);
  std::vector<int64_t> lengths(static_cast<size_t>(b), 1);
  const int64_t* data = p.data_ptr<int64_t>();
  for (int64_t i = 0; i < b; ++i) {
    for (int64_t j = t - 1; j >= 0; --j) {
      if (data[i * t + j] != pad_id) {
        lengths[static_cast<size_t>(i)] = j + 1;
        break;
      }
    }
  }
  return from_vector(lengths);
}

}  // namespace strata::data::text
