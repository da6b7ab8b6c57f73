// Transforms from (name, arguments): each builder reads its arguments through Args, which checks counts and
// ranges and, at the end, that no argument was left unread (a typo names the known arguments).
#include "strata/data/image/spec.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "strata/data/transforms.h"

namespace strata::data::image {
namespace {

// `transform` applied with probability p (an argument of the colour and blur transforms, as SimCLR uses
// them); p = 1 returns it as is, so it draws exactly what it drew before p existed.
RandomTransform applied_with(double p, RandomTransform transform) {
  if (p == 1.0) return transform;
  return RandomApply(std::move(transform), p);
}

// "RandomHorizontalFlip", "random_horizontal_flip" and "random-horizontal-flip" all become
// "randomhorizontalflip".
std::string canonical(const std::string& name) {
  std::string out;
  for (unsigned char c : name)
    if (c != '_' && c != '-' && c != ' ') out.push_back(static_cast<char>(std::tolower(c)));
  return out;
}

class Args {
 public:
  explicit Args(const TransformSpec& spec) : spec_(spec) {}

  std::string who() const {
    return spec_.where.empty() ? spec_.name : fmt::format("{} ({})", spec_.name, spec_.where);
  }

  bool has(const std::string& key) const { return spec_.numbers.count(key) || spec_.strings.count(key); }
  bool has_text(const std::string& key) const { return spec_.strings.count(key) > 0; }

  // Throws unless `key` was given, listing the arguments that were (a misspelt name shows up there).
  void require(const std::string& key) const {
    if (has(key)) return;
    std::vector<std::string> given;
    for (const auto& [k, v] : spec_.numbers) given.push_back(k);
    for (const auto& [k, v] : spec_.strings) given.push_back(k);
    STRATA_FAIL("{}: argument '{}' is required{}", who(), key,
                given.empty() ? std::string() : fmt::format(" (given: {})", fmt::join(given, ", ")));
  }

  // All numbers of `key` (count checked by the caller), or `fallback` when absent.
  std::vector<double> numbers(const std::string& key, std::vector<double> fallback,
                              std::initializer_list<size_t> counts) {
    known_.insert(key);
    STRATA_CHECK(!spec_.strings.count(key),
                 "{}: argument '{}' must be a number or a list of numbers, got '{}'", who(), key,
                 spec_.strings.at(key));
    const auto it = spec_.numbers.find(key);
    if (it == spec_.numbers.end()) return fallback;
    const std::vector<double>& v = it->second;
    STRATA_CHECK(counts.size() == 0 || std::find(counts.begin(), counts.end(), v.size()) != counts.end(),
                 "{}: argument '{}' takes {} value(s), got {} ([{}])", who(), key, fmt::join(counts, " or "),
                 v.size(), fmt::join(v, ", "));
    for (double x : v) STRATA_CHECK(std::isfinite(x), "{}: argument '{}' has a non-finite value", who(), key);
    return v;
  }

  double number(const std::string& key, double fallback) { return numbers(key, {fallback}, {1})[0]; }

  int64_t integer(const std::string& key, int64_t fallback) {
    const double v = number(key, static_cast<double>(fallback));
    STRATA_CHECK(v == std::floor(v), "{}: argument '{}' must be a whole number, got {}", who(), key, v);
    return static_cast<int64_t>(v);
  }

  bool flag(const std::string& key, bool fallback) {
    const double v = number(key, fallback ? 1.0 : 0.0);
    STRATA_CHECK(v == 0.0 || v == 1.0, "{}: argument '{}' must be true or false, got {}", who(), key, v);
    return v == 1.0;
  }

  // A {lo, hi} pair: two values, or one value v meaning {-v, v} (symmetric) or {v, v}.
  std::array<double, 2> range(const std::string& key, std::array<double, 2> fallback, bool symmetric) {
    const std::vector<double> v = numbers(key, {fallback[0], fallback[1]}, {1, 2});
    if (v.size() == 2) return {v[0], v[1]};
    return symmetric ? std::array<double, 2>{-v[0], v[0]} : std::array<double, 2>{v[0], v[0]};
  }

  // {height, width} from one value (square) or two.
  std::array<int64_t, 2> size(const std::string& key) {
    require(key);
    const std::vector<double> v = numbers(key, {}, {1, 2});
    for (double x : v)
      STRATA_CHECK(x == std::floor(x) && x > 0,
                   "{}: argument '{}' must hold positive whole numbers, got [{}]", who(), key,
                   fmt::join(v, ", "));
    return {static_cast<int64_t>(v[0]), static_cast<int64_t>(v.size() == 2 ? v[1] : v[0])};
  }

  std::string text(const std::string& key, const std::string& fallback) {
    known_.insert(key);
    STRATA_CHECK(!spec_.numbers.count(key), "{}: argument '{}' must be text, got a number", who(), key);
    const auto it = spec_.strings.find(key);
    return it == spec_.strings.end() ? fallback : it->second;
  }

  Interpolation interpolation(Interpolation fallback) {
    const std::string v = text("interpolation", fallback == Interpolation::Nearest ? "nearest" : "bilinear");
    if (v == "nearest") return Interpolation::Nearest;
    if (v == "bilinear") return Interpolation::Bilinear;
    STRATA_FAIL("{}: unknown interpolation '{}' (known: nearest, bilinear)", who(), v);
  }

  PaddingMode padding_mode() {
    const std::string v = text("padding_mode", "constant");
    if (v == "constant") return PaddingMode::Constant;
    if (v == "edge") return PaddingMode::Edge;
    if (v == "reflect") return PaddingMode::Reflect;
    if (v == "symmetric") return PaddingMode::Symmetric;
    STRATA_FAIL("{}: unknown padding_mode '{}' (known: constant, edge, reflect, symmetric)", who(), v);
  }

  std::optional<std::array<double, 2>> center() {
    if (!has("center")) {
      known_.insert("center");
      return std::nullopt;
    }
    const std::vector<double> v = numbers("center", {}, {2});
    return std::array<double, 2>{v[0], v[1]};
  }

  // Throws for any argument no reader asked for.
  void finish() const {
    std::vector<std::string> unknown;
    for (const auto& [k, v] : spec_.numbers)
      if (!known_.count(k)) unknown.push_back(k);
    for (const auto& [k, v] : spec_.strings)
      if (!known_.count(k)) unknown.push_back(k);
    STRATA_CHECK(unknown.empty(), "{}: unknown argument(s) {} (known: {})", who(), fmt::join(unknown, ", "),
                 fmt::join(known_, ", "));
  }

 private:
  const TransformSpec& spec_;
  std::set<std::string> known_;
};

// Padding from 1 value (all sides), 2 (left/right, top/bottom) or 4 (left, top, right, bottom), as
// torchvision.
Padding padding_of(Args& a) {
  const std::vector<double> v = a.numbers("padding", {0.0}, {1, 2, 4});
  std::vector<int64_t> p;
  for (double x : v) {
    STRATA_CHECK(x >= 0 && x == std::floor(x), "{}: padding [{}] must hold non-negative whole numbers",
                 a.who(), fmt::join(v, ", "));
    p.push_back(static_cast<int64_t>(x));
  }
  if (p.size() == 1) return Padding::all(p[0]);
  if (p.size() == 2) return Padding::symmetric(p[0], p[1]);
  return {p[0], p[1], p[2], p[3]};
}

using Builder = std::function<RandomTransform(Args&)>;

struct Entry {
  const char* name;
  Builder build;
};

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = {
      {"random_horizontal_flip",
       [](Args& a) -> RandomTransform { return RandomHorizontalFlip(a.number("p", 0.5)); }},
      {"random_vertical_flip",
       [](Args& a) -> RandomTransform { return RandomVerticalFlip(a.number("p", 0.5)); }},
      {"random_rotation",
       [](Args& a) -> RandomTransform {
         a.require("degrees");
         const auto degrees = a.range("degrees", {0.0, 0.0}, true);
         WarpOptions o{.interpolation = a.interpolation(Interpolation::Nearest),
                       .fill = a.numbers("fill", {0.0}, {1, 3}),
                       .center = a.center()};
         return RandomRotation(degrees, std::move(o));
       }},
      {"random_affine",
       [](Args& a) -> RandomTransform {
         a.require("degrees");
         RandomAffineOptions o;
         o.degrees = a.range("degrees", {0.0, 0.0}, true);
         const std::vector<double> t = a.numbers("translate", {0.0, 0.0}, {2});
         o.translate = {t[0], t[1]};
         o.scale = a.range("scale", {1.0, 1.0}, false);
         std::vector<double> shear = a.numbers("shear", {}, {1, 2, 4});
         if (shear.size() == 1) shear = {-shear[0], shear[0]};
         o.shear = shear;
         o.interpolation = a.interpolation(Interpolation::Nearest);
         o.fill = a.numbers("fill", {0.0}, {1, 3});
         o.center = a.center();
         return RandomAffine(std::move(o));
       }},
      {"random_crop",
       [](Args& a) -> RandomTransform {
         const auto size = a.size("size");
         RandomCropOptions o{.padding = padding_of(a),
                             .pad_if_needed = a.flag("pad_if_needed", false),
                             .fill = a.number("fill", 0.0),
                             .padding_mode = a.padding_mode()};
         return RandomCrop(size, o);
       }},
      {"random_resized_crop",
       [](Args& a) -> RandomTransform {
         const auto size = a.size("size");
         RandomResizedCropOptions o;
         o.scale = a.range("scale", o.scale, false);
         o.ratio = a.range("ratio", o.ratio, false);
         o.interpolation = a.interpolation(Interpolation::Bilinear);
         o.antialias = a.flag("antialias", true);
         return RandomResizedCrop(size, o);
       }},
      {"resize",
       [](Args& a) -> RandomTransform {
         a.require("size");
         std::vector<int64_t> size;
         for (double v : a.numbers("size", {}, {1, 2})) {
           STRATA_CHECK(v > 0 && v == std::floor(v), "{}: size must hold positive whole numbers, got {}",
                        a.who(), v);
           size.push_back(static_cast<int64_t>(v));
         }
         ResizeOptions o{.interpolation = a.interpolation(Interpolation::Bilinear),
                         .max_size = a.integer("max_size", 0),
                         .antialias = a.flag("antialias", true)};
         return Resize(size, o);
       }},
      {"center_crop", [](Args& a) -> RandomTransform { return CenterCrop(a.size("size")); }},
      {"color_jitter",
       [](Args& a) -> RandomTransform {
         return applied_with(a.number("p", 1.0), ColorJitter({.brightness = a.number("brightness", 0.0),
                                                              .contrast = a.number("contrast", 0.0),
                                                              .saturation = a.number("saturation", 0.0),
                                                              .hue = a.number("hue", 0.0)}));
       }},
      {"grayscale",
       [](Args& a) -> RandomTransform {
         return Grayscale(static_cast<int>(a.integer("num_output_channels", 1)));
       }},
      {"random_grayscale", [](Args& a) -> RandomTransform { return RandomGrayscale(a.number("p", 0.1)); }},
      {"gaussian_blur",
       [](Args& a) -> RandomTransform {
         const auto k = a.size("kernel_size");
         return applied_with(a.number("p", 1.0),
                             GaussianBlur({k[0], k[1]}, a.range("sigma", {0.1, 2.0}, false)));
       }},
      {"random_erasing",
       [](Args& a) -> RandomTransform {
         RandomErasingOptions o;
         o.p = a.number("p", 0.5);
         o.scale = a.range("scale", o.scale, false);
         o.ratio = a.range("ratio", o.ratio, false);
         if (a.has_text("value")) {
           const std::string v = a.text("value", "");
           STRATA_CHECK(v == "random", "{}: value must be numbers or 'random', got '{}'", a.who(), v);
           o.random_value = true;
         } else {
           o.value = a.numbers("value", {0.0}, {1, 3});
         }
         return RandomErasing(o);
       }},
      {"normalize",
       [](Args& a) -> RandomTransform {
         a.require("mean");
         a.require("std");
         return Normalize(a.numbers("mean", {}, {1, 3}), a.numbers("std", {}, {1, 3}));
       }},
      {"to_float",
       [](Args& a) -> RandomTransform { return lift(transforms::to_float(a.number("scale", 1.0 / 255.0))); }},
  };
  return entries;
}

}  // namespace

const std::vector<std::string>& transform_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Entry& e : registry()) n.emplace_back(e.name);
    return n;
  }();
  return names;
}

RandomTransform make_transform(const TransformSpec& spec) {
  const std::string key = canonical(spec.name);
  for (const Entry& e : registry()) {
    if (canonical(e.name) != key) continue;
    Args args(spec);
    try {
      RandomTransform t = e.build(args);
      args.finish();
      return t;
    } catch (const Error& err) {
      // Errors of the transform's own checks get the spec's name and place in front.
      const std::string what = err.what();
      if (what.starts_with(args.who())) throw;
      throw Error(fmt::format("{}: {}", args.who(), what));
    }
  }
  STRATA_FAIL("make_transform: unknown transform '{}'{} (known: {})", spec.name,
              spec.where.empty() ? "" : fmt::format(" at {}", spec.where),
              fmt::join(transform_names(), ", "));
}

RandomTransform make_pipeline(const std::vector<TransformSpec>& specs) {
  std::vector<RandomTransform> ts;
  ts.reserve(specs.size());
  for (const TransformSpec& s : specs) ts.push_back(make_transform(s));
  return Compose(std::move(ts));
}

}  // namespace strata::data::image
