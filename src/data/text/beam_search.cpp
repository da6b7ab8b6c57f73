#include "strata/data/text/beam_search.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "strata/core/error.h"
#include "strata/core/factory.h"

namespace strata::data::text {
namespace {

void check_options(const SearchOptions& o, int64_t batch_size, const char* what) {
  STRATA_CHECK(batch_size >= 0, "{}: batch_size must be >= 0, got {}", what, batch_size);
  STRATA_CHECK(o.max_length >= 1, "{}: max_length must be >= 1, got {}", what, o.max_length);
  STRATA_CHECK(o.beam_size >= 1, "{}: beam_size must be >= 1, got {}", what, o.beam_size);
  STRATA_CHECK(o.bos_id >= 0 && o.eos_id >= 0, "{}: bos_id {} and eos_id {} must be token ids", what,
               o.bos_id, o.eos_id);
  STRATA_CHECK(o.length_penalty >= 0, "{}: length_penalty must be >= 0, got {}", what, o.length_penalty);
}

// Calls `next` on the prefixes and checks the shape of its answer; returns the scores row-major.
std::vector<double> score(const NextTokenScores& next, const std::vector<std::vector<int64_t>>& prefixes,
                          const std::vector<int64_t>& rows, int64_t& vocab, const char* what) {
  const auto n = static_cast<int64_t>(prefixes.size());
  const auto t = static_cast<int64_t>(prefixes[0].size());
  std::vector<int64_t> flat;
  flat.reserve(static_cast<size_t>(n * t));
  for (const auto& p : prefixes) flat.insert(flat.end(), p.begin(), p.end());
  const Tensor out = next(from_vector(flat, Shape{n, t}), rows);
  STRATA_CHECK(out.dim() == 2 && out.size(0) == n, "{}: the scorer returned {} for {} prefixes; want [{}, V]",
               what, out.shape().str(), n, n);
  vocab = out.size(1);
  return out.to_vector<double>();
}

double normalised(double log_prob, int64_t length, double penalty) {
  return penalty == 0 ? log_prob
                      : log_prob / std::pow(static_cast<double>(std::max<int64_t>(1, length)), penalty);
}

}  // namespace

std::vector<Hypothesis> greedy_search(const NextTokenScores& next, int64_t batch_size,
                                      const SearchOptions& options) {
  check_options(options, batch_size, "greedy_search");
  std::vector<Hypothesis> out(static_cast<size_t>(batch_size));
  std::vector<std::vector<int64_t>> prefixes;
  std::vector<int64_t> rows;
  for (int64_t r = 0; r < batch_size; ++r) {
    prefixes.push_back({options.bos_id});
    rows.push_back(r);
  }
  for (int64_t step = 0; step < options.max_length && !rows.empty(); ++step) {
    int64_t vocab = 0;
    const std::vector<double> s = score(next, prefixes, rows, vocab, "greedy_search");
    std::vector<std::vector<int64_t>> live_prefixes;
    std::vector<int64_t> live_rows;
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto begin = s.begin() + static_cast<ptrdiff_t>(i) * vocab;
      const auto best = std::max_element(begin, begin + vocab);
      const int64_t token = best - begin;
      Hypothesis& h = out[static_cast<size_t>(rows[i])];
      h.score += *best;
      if (token == options.eos_id) continue;
      h.tokens.push_back(token);
      live_prefixes.push_back(std::move(prefixes[i]));
      live_prefixes.back().push_back(token);
      live_rows.push_back(rows[i]);
    }
    prefixes = std::move(live_prefixes);
    rows = std::move(live_rows);
  }
  return out;
}

std::vector<Hypothesis> beam_search(const NextTokenScores& next, int64_t batch_size,
                                    const SearchOptions& options) {
  check_options(options, batch_size, "beam_search");
  const int64_t k = options.beam_size;
  struct Beam {
    std::vector<int64_t> prefix;  // <bos> and the tokens so far
    double log_prob = 0.0;
  };
  std::vector<std::vector<Beam>> live(static_cast<size_t>(batch_size));
  std::vector<std::vector<Hypothesis>> finished(static_cast<size_t>(batch_size));
  for (auto& l : live) l.push_back({{options.bos_id}, 0.0});
  auto finish = [&](size_t row, const Beam& b, double log_prob, int64_t length) {
    finished[row].push_back({std::vector<int64_t>(b.prefix.begin() + 1, b.prefix.end()),
                             normalised(log_prob, length, options.length_penalty)});
  };
  for (int64_t step = 0; step < options.max_length; ++step) {
    std::vector<std::vector<int64_t>> prefixes;
    std::vector<int64_t> rows;
    for (size_t r = 0; r < live.size(); ++r) {
      for (const Beam& b : live[r]) {
        prefixes.push_back(b.prefix);
        rows.push_back(static_cast<int64_t>(r));
      }
    }
    if (prefixes.empty()) break;
    int64_t vocab = 0;
    const std::vector<double> s = score(next, prefixes, rows, vocab, "beam_search");
    const bool last_step = step + 1 == options.max_length;
    size_t at = 0;  // first prefix of the current row
    for (size_t r = 0; r < live.size(); ++r) {
      const std::vector<Beam>& beams = live[r];
      if (beams.empty()) continue;
      // The 2k best (beam, token) extensions: enough for k live ones even when k of them end in <eos>.
      struct Candidate {
        double log_prob;
        size_t beam;
        int64_t token;
      };
      std::vector<Candidate> cands;
      const auto per_beam = static_cast<size_t>(std::min<int64_t>(2 * k, vocab));
      std::vector<int64_t> order(static_cast<size_t>(vocab));
      for (size_t b = 0; b < beams.size(); ++b) {
        const double* row_scores = s.data() + (at + b) * static_cast<size_t>(vocab);
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(per_beam), order.end(),
                          [&](int64_t x, int64_t y) { return row_scores[x] > row_scores[y]; });
        for (size_t j = 0; j < per_beam; ++j)
          cands.push_back({beams[b].log_prob + row_scores[order[j]], b, order[j]});
      }
      std::stable_sort(cands.begin(), cands.end(),
                       [](const Candidate& x, const Candidate& y) { return x.log_prob > y.log_prob; });
      std::vector<Beam> next_beams;
      const auto length = static_cast<int64_t>(beams[0].prefix.size());  // generated tokens + this one
      for (size_t j = 0; j < cands.size() && static_cast<int64_t>(next_beams.size()) < k; ++j) {
        const Candidate& c = cands[j];
        if (c.token == options.eos_id) {
          if (static_cast<int64_t>(j) < k) finish(r, beams[c.beam], c.log_prob, length);
          continue;
        }
        Beam nb{beams[c.beam].prefix, c.log_prob};
        nb.prefix.push_back(c.token);
        next_beams.push_back(std::move(nb));
      }
      at += beams.size();
      if (static_cast<int64_t>(finished[r].size()) >= k) {
        next_beams.clear();
      } else if (last_step) {
        for (const Beam& b : next_beams) finish(r, b, b.log_prob, length);
        next_beams.clear();
      }
      live[r] = std::move(next_beams);
    }
  }
  std::vector<Hypothesis> out;
  out.reserve(finished.size());
  for (auto& f : finished) {
    STRATA_CHECK(!f.empty(), "beam_search: a row finished without any hypothesis");
    out.push_back(*std::max_element(
        f.begin(), f.end(), [](const Hypothesis& a, const Hypothesis& b) { return a.score < b.score; }));
  }
  return out;
}

}  // namespace strata::data::text
