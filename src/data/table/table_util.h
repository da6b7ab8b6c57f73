#pragma once
// Helpers shared by the table sources: statistics over present values, seeded random draws that do not
// depend on the standard library's distributions, number parsing and formatting.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "data/shuffle.h"
#include "strata/data/table/table.h"

namespace strata::data::table::detail {

// The present values of a numeric or Category column.
inline std::vector<double> present_values(const Column& c) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(c.size()));
  for (int64_t i = 0; i < c.size(); ++i) {
    if (!c.is_missing(i)) out.push_back(c.number(i));
  }
  return out;
}

inline double mean(const std::vector<double>& v) {
  if (v.empty()) return std::nan("");
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// Standard deviation with `ddof` (0: population, 1: sample); NaN when there are too few values.
inline double stddev(const std::vector<double>& v, int ddof) {
  if (static_cast<int64_t>(v.size()) <= ddof) return std::nan("");
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(static_cast<int64_t>(v.size()) - ddof));
}

// Quantile q in [0, 1] of already sorted values, linear interpolation (NumPy's default).
inline double quantile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nan("");
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

inline double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return quantile_sorted(v, q);
}

// Uniform double in [0, 1) from 53 random bits.
inline double uniform(std::mt19937_64& engine) { return static_cast<double>(engine() >> 11) * 0x1.0p-53; }

// Standard normal by Box-Muller (written out so values depend on the seed alone).
inline double normal(std::mt19937_64& engine) {
  double u1 = uniform(engine);
  while (u1 <= 0.0) u1 = uniform(engine);
  const double u2 = uniform(engine);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

// Integer in [0, n).
inline int64_t randint(std::mt19937_64& engine, int64_t n) {
  return static_cast<int64_t>(data::detail::bounded(engine, static_cast<uint64_t>(n)));
}

// Fisher-Yates shuffle of `v` with `engine`.
template <typename T>
void shuffle(std::vector<T>& v, std::mt19937_64& engine) {
  for (int64_t i = static_cast<int64_t>(v.size()) - 1; i > 0; --i) {
    std::swap(v[static_cast<size_t>(i)], v[static_cast<size_t>(randint(engine, i + 1))]);
  }
}

inline std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The whole text as an int64 (a leading '+' allowed), or nullopt.
inline std::optional<int64_t> parse_int(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// The whole text as a double (decimal or exponent form, inf, nan; a leading '+' allowed), or nullopt.
inline std::optional<double> parse_float(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) return std::nullopt;
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// true/false in the spellings pandas accepts (true, True, TRUE, false, ...), or nullopt.
inline std::optional<bool> parse_bool(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

// Shortest text that reads back as the same double.
std::string format_double(double v);

// The whole content of a text file, gunzipped when compressed; `what` names the caller in errors.
std::string read_text_file(const std::string& path, const char* what);

}  // namespace strata::data::table::detail
