#include "strata/data/text/translation_dataset.h"

#include <algorithm>

#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::data::text {
namespace {

std::vector<int64_t> with_eos(std::vector<int64_t> ids, const TranslationTokens& t) {
  if (t.max_length > 0 && static_cast<int64_t>(ids.size()) >= t.max_length)
    ids.resize(static_cast<size_t>(t.max_length - 1));
  ids.push_back(t.eos_id);
  return ids;
}

}  // namespace

TranslationDataset::TranslationDataset(const std::vector<SentencePair>& pairs,
                                       const std::function<std::vector<int64_t>(std::string_view)>& encode,
                                       TranslationTokens tokens)
    : tokens_(tokens) {
  STRATA_CHECK(tokens.max_length == 0 || tokens.max_length >= 2,
               "TranslationDataset: max_length must be 0 (no limit) or at least 2, got {}",
               tokens.max_length);
  STRATA_CHECK(
      tokens.pad_id != tokens.bos_id && tokens.pad_id != tokens.eos_id && tokens.bos_id != tokens.eos_id,
      "TranslationDataset: pad_id {}, bos_id {} and eos_id {} must differ", tokens.pad_id, tokens.bos_id,
      tokens.eos_id);
  source_.reserve(pairs.size());
  target_.reserve(pairs.size());
  for (const auto& p : pairs) {
    source_.push_back(with_eos(encode(p.source), tokens));
    target_.push_back(with_eos(encode(p.target), tokens));
  }
}

const std::vector<int64_t>& TranslationDataset::source_ids(int64_t index) const {
  STRATA_CHECK(index >= 0 && index < size(), "TranslationDataset: index {} is out of range for {} pairs",
               index, size());
  return source_[static_cast<size_t>(index)];
}

Example TranslationDataset::get(int64_t index) const {
  const auto& src = source_ids(index);
  const auto& tgt = target_[static_cast<size_t>(index)];
  const auto len = static_cast<int64_t>(std::max(src.size(), tgt.size()));
  std::vector<int64_t> input(static_cast<size_t>(2 * len), tokens_.pad_id);
  std::vector<int64_t> target(static_cast<size_t>(len), tokens_.pad_id);
  std::copy(src.begin(), src.end(), input.begin());
  input[static_cast<size_t>(len)] = tokens_.bos_id;
  std::copy(tgt.begin(), tgt.end() - 1, input.begin() + len + 1);
  std::copy(tgt.begin(), tgt.end(), target.begin());
  return {from_vector(input, Shape{2, len}), from_vector(target, Shape{len})};
}

Collate translation_collate(int64_t pad_id) {
  return [pad_id](const std::vector<Example>& examples) {
    STRATA_CHECK(!examples.empty(), "translation_collate: no examples to collate");
    int64_t longest = 1;
    for (size_t i = 0; i < examples.size(); ++i) {
      const Example& e = examples[i];
      STRATA_CHECK(e.input.dim() == 2 && e.input.size(0) == 2 && e.input.dtype() == kInt64 &&
                       e.target.dim() == 1 && e.target.size(0) == e.input.size(1),
                   "translation_collate: example {} has input {} and target {}; expected i64 [2, L] and [L]",
                   i, e.input.shape().str(), e.target.shape().str());
      longest = std::max(longest, e.input.size(1));
    }
    const auto batch = static_cast<int64_t>(examples.size());
    std::vector<int64_t> input(static_cast<size_t>(batch * 2 * longest), pad_id);
    std::vector<int64_t> target(static_cast<size_t>(batch * longest), pad_id);
    for (int64_t b = 0; b < batch; ++b) {
      const Example& e = examples[static_cast<size_t>(b)];
      const int64_t len = e.input.size(1);
      const auto in = e.input.to_vector<int64_t>();
      const auto tg = e.target.to_vector<int64_t>();
      for (int64_t r = 0; r < 2; ++r)
        std::copy(in.begin() + r * len, in.begin() + (r + 1) * len, input.begin() + (b * 2 + r) * longest);
      std::copy(tg.begin(), tg.end(), target.begin() + b * longest);
    }
    return Batch{from_vector(input, Shape{batch, 2, longest}), from_vector(target, Shape{batch * longest})};
  };
}

Tensor pad_sources(const std::vector<std::vector<int64_t>>& sources, int64_t pad_id) {
  STRATA_CHECK(!sources.empty(), "pad_sources: no sources");
  size_t longest = 1;
  for (const auto& s : sources) longest = std::max(longest, s.size());
  std::vector<int64_t> out(sources.size() * longest, pad_id);
  for (size_t i = 0; i < sources.size(); ++i)
    std::copy(sources[i].begin(), sources[i].end(), out.begin() + static_cast<ptrdiff_t>(i * longest));
  return from_vector(out, Shape{static_cast<int64_t>(sources.size()), static_cast<int64_t>(longest)});
}

}  // namespace strata::data::text
