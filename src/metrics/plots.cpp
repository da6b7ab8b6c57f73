// Evaluation plots: confusion-matrix heat maps and ROC curves, drawn into an RGB buffer (text from
// stb_easy_font quads, PNG encoding by stb_image_write).
#include "strata/metrics/plots.h"

#include <stb_easy_font.h>
#include <stb_image_write.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>

#include "input.h"
#include "strata/core/factory.h"
#include "strata/io/atomic_file.h"

namespace strata::metrics {
namespace {

using Rgb = std::array<uint8_t, 3>;
constexpr Rgb kWhite{255, 255, 255}, kBlack{30, 30, 30}, kGrid{225, 225, 225}, kGrey{150, 150, 150};
constexpr std::array<Rgb, 10> kPalette{{{31, 119, 180},
                                        {255, 127, 14},
                                        {44, 160, 44},
                                        {214, 39, 40},
                                        {148, 103, 189},
                                        {140, 86, 75},
                                        {227, 119, 194},
                                        {127, 127, 127},
                                        {188, 189, 34},
                                        {23, 190, 207}}};

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), px_(static_cast<size_t>(w) * static_cast<size_t>(h) * 3, 255) {}

  void set(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
    std::copy(c.begin(), c.end(), px_.begin() + (static_cast<ptrdiff_t>(y) * w_ + x) * 3);
  }
  void rect(int x0, int y0, int x1, int y1, Rgb c) {
    for (int y = std::max(y0, 0); y < std::min(y1, h_); ++y) {
      for (int x = std::max(x0, 0); x < std::min(x1, w_); ++x) set(x, y, c);
    }
  }
  // A line with a square pen; `dash` > 0 leaves gaps of that many steps.
  void line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1, int dash = 0) {
    const int steps = static_cast<int>(std::max(std::abs(x1 - x0), std::abs(y1 - y0))) + 1;
    for (int i = 0; i <= steps; ++i) {
      if (dash > 0 && (i / dash) % 2 == 1) continue;
      const double t = static_cast<double>(i) / steps;
      const int x = static_cast<int>(std::lround(x0 + (x1 - x0) * t));
      const int y = static_cast<int>(std::lround(y0 + (y1 - y0) * t));
      rect(x - thickness / 2, y - thickness / 2, x - thickness / 2 + thickness, y - thickness / 2 + thickness,
           c);
    }
  }
  // Text with its top-left corner at (x, y); `vertical` turns it 90 degrees to read upwards from (x, y) as
  // its bottom-left corner.
  void text(int x, int y, const std::string& s, Rgb c, int scale = 1, bool vertical = false) {
    // 64 bytes a quad and up to 16 quads a glyph: stb's "about 270 bytes a character" drops segments of
    // dense glyphs such as '8' at the end of a string.
    std::vector<char> buffer(s.size() * 1024 + 64);
    const int quads = stb_easy_font_print(0, 0, const_cast<char*>(s.c_str()), nullptr, buffer.data(),
                                          static_cast<int>(buffer.size()));
    const float* v = reinterpret_cast<const float*>(buffer.data());
    for (int q = 0; q < quads; ++q) {
      const float* quad = v + q * 16;  // 4 vertices of (x, y, z, rgba)
      const int qx0 = static_cast<int>(quad[0]) * scale, qy0 = static_cast<int>(quad[1]) * scale;
      const int qx1 = static_cast<int>(quad[8]) * scale, qy1 = static_cast<int>(quad[9]) * scale;
      if (vertical) {
        rect(x + qy0, y - qx1, x + qy1, y - qx0, c);
      } else {
        rect(x + qx0, y + qy0, x + qx1, y + qy1, c);
      }
    }
  }
  static int text_width(const std::string& s, int scale = 1) {
    return stb_easy_font_width(const_cast<char*>(s.c_str())) * scale;
  }
  // The pixels as u8 [3, h, w].
  Tensor to_tensor() const {
    Tensor out = empty({3, h_, w_}, {.dtype = kUInt8});
    uint8_t* o = out.data_ptr<uint8_t>();
    const size_t plane = static_cast<size_t>(w_) * static_cast<size_t>(h_);
    for (size_t i = 0; i < plane; ++i) {
      for (size_t c = 0; c < 3; ++c) o[c * plane + i] = px_[i * 3 + c];
    }
    return out;
  }
  void write_png(const std::string& path) const {
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    std::string bytes;  // encoded in memory, then written atomically
    const auto append = [](void* context, void* data, int size) {
      static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
    };
    STRATA_CHECK(stbi_write_png_to_func(append, &bytes, w_, h_, 3, px_.data(), w_ * 3) != 0,
                 "plot: cannot encode {}", path);
    io::write_file_atomic(path, bytes);
  }

 private:
  int w_, h_;
  std::vector<uint8_t> px_;
};

// White to dark blue (matplotlib's "Blues" end points), for t in [0, 1].
Rgb blues(double t) {
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  constexpr std::array<double, 3> lo{247, 251, 255}, hi{8, 48, 107};
  Rgb c;
  for (size_t i = 0; i < 3; ++i) c[i] = static_cast<uint8_t>(std::lround(lo[i] + (hi[i] - lo[i]) * t));
  return c;
}

std::string count_label(double v) {
  return v == std::floor(v) && std::abs(v) < 1e15 ? fmt::format("{}", static_cast<int64_t>(v))
                                                  : fmt::format("{:.3g}", v);
}

struct Layout {
  int cell, left, top, label_height, panel_width, height;
  bool vertical_labels;
};

Layout layout(const std::vector<std::string>& names) {
  const int c = static_cast<int>(names.size());
  Layout l{};
  l.cell = std::clamp(360 / std::max(c, 1), 14, 56);
  int widest = 0;
  for (const std::string& n : names) widest = std::max(widest, Canvas::text_width(n));
  l.vertical_labels = widest > l.cell - 4;
  l.left = widest + 34;  // names, a gap and the vertical "true class" label
  l.top = 44;
  l.label_height = l.vertical_labels ? widest + 8 : 16;
  l.panel_width = l.left + c * l.cell + 70;  // room for the colour bar and its labels
  l.height = l.top + c * l.cell + l.label_height + 30;
  return l;
}

void draw_heat_map(Canvas& canvas, int x0, const Layout& l, const std::string& title,
                   const std::vector<double>& v, const std::vector<std::string>& names, bool fractions) {
  const int c = static_cast<int>(names.size());
  const double top_value = std::max(*std::max_element(v.begin(), v.end()), fractions ? 1.0 : 1e-300);
  const int gx = x0 + l.left, gy = l.top, size = c * l.cell;
  canvas.text(x0 + (l.panel_width - Canvas::text_width(title, 2)) / 2, 10, title, kBlack, 2);
  for (int i = 0; i < c; ++i) {
    for (int j = 0; j < c; ++j) {
      const double value = v[static_cast<size_t>(i * c + j)];
      const double t = value / top_value;
      const int x = gx + j * l.cell, y = gy + i * l.cell;
      canvas.rect(x, y, x + l.cell, y + l.cell, blues(t));
      const std::string label = fractions ? fmt::format("{:.2f}", value) : count_label(value);
      if (Canvas::text_width(label) <= l.cell - 2) {
        canvas.text(x + (l.cell - Canvas::text_width(label)) / 2 + 1, y + l.cell / 2 - 3, label,
                    t > 0.5 ? kWhite : kBlack);
      }
    }
  }
  canvas.line(gx, gy, gx + size, gy, kBlack);
  canvas.line(gx, gy + size, gx + size, gy + size, kBlack);
  canvas.line(gx, gy, gx, gy + size, kBlack);
  canvas.line(gx + size, gy, gx + size, gy + size, kBlack);
  for (int k = 0; k < c; ++k) {  // class names: rows on the left, columns below
    const std::string& n = names[static_cast<size_t>(k)];
    canvas.text(gx - 6 - Canvas::text_width(n), gy + k * l.cell + l.cell / 2 - 3, n, kBlack);
    if (l.vertical_labels) {
      canvas.text(gx + k * l.cell + l.cell / 2 - 3, gy + size + 6 + Canvas::text_width(n), n, kBlack, 1,
                  true);
    } else {
      canvas.text(gx + k * l.cell + (l.cell - Canvas::text_width(n)) / 2, gy + size + 6, n, kBlack);
    }
  }
  const std::string xlabel = "predicted class", ylabel = "true class";
  canvas.text(gx + (size - Canvas::text_width(xlabel)) / 2, gy + size + l.label_height + 8, xlabel, kBlack);
  canvas.text(x0 + 8, gy + (size + Canvas::text_width(ylabel)) / 2, ylabel, kBlack, 1, true);
  // Colour bar with its end values.
  const int bx = gx + size + 14;
  for (int y = 0; y < size; ++y)
    canvas.rect(bx, gy + y, bx + 12, gy + y + 1, blues(1.0 - static_cast<double>(y) / size));
  canvas.text(bx + 16, gy, fractions ? "1.00" : count_label(top_value), kBlack);
  canvas.text(bx + 16, gy + size - 7, fractions ? "0.00" : "0", kBlack);
}

}  // namespace

void plot_confusion_matrix(const std::string& path, const Tensor& confusion,
                           const std::vector<std::string>& class_names) {
  STRATA_CHECK(confusion.defined() && confusion.dim() == 2 && confusion.size(0) == confusion.size(1) &&
                   confusion.size(0) > 0,
               "plot_confusion_matrix: a confusion matrix must be square [C, C], got shape {}",
               confusion.defined() ? confusion.shape().str() : "undefined");
  const int64_t c = confusion.size(0);
  STRATA_CHECK(c <= 100, "plot_confusion_matrix: {} classes are too many to draw (at most 100)", c);
  STRATA_CHECK(class_names.empty() || static_cast<int64_t>(class_names.size()) == c,
               "plot_confusion_matrix: {} class names for a confusion matrix of shape {}", class_names.size(),
               confusion.shape().str());
  std::vector<std::string> names = class_names;
  for (auto i = static_cast<int64_t>(names.size()); i < c; ++i) names.push_back(std::to_string(i));
  const Tensor host = detail::host_f64(confusion);
  std::vector<double> counts(host.data_ptr<double>(), host.data_ptr<double>() + c * c);
  for (double v : counts) {
    STRATA_CHECK(std::isfinite(v) && v >= 0,
                 "plot_confusion_matrix: entries must be non-negative counts, got {}", v);
  }
  std::vector<double> normalised(counts.size(), 0.0);
  for (int64_t i = 0; i < c; ++i) {
    double row = 0;
    for (int64_t j = 0; j < c; ++j) row += counts[static_cast<size_t>(i * c + j)];
    for (int64_t j = 0; j < c && row > 0; ++j) {
      normalised[static_cast<size_t>(i * c + j)] = counts[static_cast<size_t>(i * c + j)] / row;
    }
  }
  const Layout l = layout(names);
  Canvas canvas(2 * l.panel_width, l.height);
  draw_heat_map(canvas, 0, l, "counts", counts, names, false);
  draw_heat_map(canvas, l.panel_width, l, "normalised by true class", normalised, names, true);
  canvas.write_png(path);
}

void plot_roc_curves(const std::string& path, const std::vector<RocCurve>& curves,
                     const std::vector<std::string>& labels) {
  STRATA_CHECK(!curves.empty(), "plot_roc_curves: no curves to draw for {}", path);
  STRATA_CHECK(labels.empty() || labels.size() == curves.size(), "plot_roc_curves: {} labels for {} curves",
               labels.size(), curves.size());
  for (const RocCurve& c : curves) {
    STRATA_CHECK(c.fpr.size() == c.tpr.size(),
                 "plot_roc_curves: a curve has {} false and {} true positive rates", c.fpr.size(),
                 c.tpr.size());
  }
  constexpr int kWidth = 560, kHeight = 560, left = 64, right = kWidth - 24, top = 44, bottom = kHeight - 52;
  Canvas canvas(kWidth, kHeight);
  auto px = [&](double x) { return left + x * (right - left); };
  auto py = [&](double y) { return bottom - y * (bottom - top); };
  const std::string title = "ROC curve";
  canvas.text((kWidth - Canvas::text_width(title, 2)) / 2, 12, title, kBlack, 2);
  for (int i = 0; i <= 5; ++i) {  // grid and ticks every 0.2
    const double v = i / 5.0;
    canvas.line(px(v), top, px(v), bottom, kGrid);
    canvas.line(left, py(v), right, py(v), kGrid);
    const std::string label = fmt::format("{:.1f}", v);
    canvas.text(static_cast<int>(px(v)) - Canvas::text_width(label) / 2, bottom + 6, label, kBlack);
    canvas.text(left - 8 - Canvas::text_width(label), static_cast<int>(py(v)) - 4, label, kBlack);
  }
  canvas.line(left, top, left, bottom, kBlack);
  canvas.line(left, bottom, right, bottom, kBlack);
  canvas.line(px(0), py(0), px(1), py(1), kGrey, 1, 4);  // chance
  const std::string xlabel = "false positive rate", ylabel = "true positive rate";
  canvas.text(left + (right - left - Canvas::text_width(xlabel)) / 2, bottom + 24, xlabel, kBlack);
  canvas.text(14, top + (bottom - top + Canvas::text_width(ylabel)) / 2, ylabel, kBlack, 1, true);
  const int legend_rows = static_cast<int>(curves.size());
  for (size_t k = 0; k < curves.size(); ++k) {
    const Rgb color = kPalette[k % kPalette.size()];
    const RocCurve& c = curves[k];
    for (size_t i = 1; i < c.fpr.size(); ++i) {
      const double x0 = c.fpr[i - 1], y0 = c.tpr[i - 1], x1 = c.fpr[i], y1 = c.tpr[i];
      if (std::isfinite(x0) && std::isfinite(y0) && std::isfinite(x1) && std::isfinite(y1)) {
        canvas.line(px(x0), py(y0), px(x1), py(y1), color, 2);
      }
    }
    // Legend, bottom right, above the axis.
    std::string name =
        labels.empty() ? (curves.size() == 1 ? "positive class" : fmt::format("class {}", k)) : labels[k];
    name += std::isnan(c.auc) ? " (AUC undefined)" : fmt::format(" (AUC {:.3f})", c.auc);
    const int ly = bottom - 12 - (legend_rows - static_cast<int>(k)) * 13;
    const int lx = right - 14 - Canvas::text_width(name) - 22;
    canvas.rect(lx - 4, ly - 3, right - 8, ly + 11, kWhite);
    canvas.rect(lx, ly + 2, lx + 16, ly + 5, color);
    canvas.text(lx + 20, ly, name, kBlack);
  }
  canvas.write_png(path);
}

namespace {

// `image` [C, H, W] (C = 1 or 3; u8, or floating in [0, 1]) painted into a canvas `scale` times its size
// (nearest), with each pixel passed through `shade` (x, y, rgb) first.
template <typename Shade>
Canvas upscaled(const Tensor& image, int64_t scale, const char* op, Shade shade) {
  STRATA_CHECK(image.defined() && image.dim() == 3 && (image.size(0) == 1 || image.size(0) == 3),
               "{}: image must be [C, H, W] with C = 1 or 3, got {}", op,
               image.defined() ? image.shape().str() : std::string("none"));
  STRATA_CHECK(scale >= 1 && scale <= 64, "{}: scale must be in 1..64, got {}", op, scale);
  const Tensor img =
      image.dtype() == kUInt8 ? image.to(kCPU).to(kFloat32) / 255.0 : image.to(kCPU).to(kFloat32);
  const Tensor rgb = (img.size(0) == 1 ? img.expand({3, img.size(1), img.size(2)}) : img).contiguous();
  const int64_t h = rgb.size(1), w = rgb.size(2);
  const float* p = rgb.data_ptr<float>();
  Canvas canvas(static_cast<int>(w * scale), static_cast<int>(h * scale));
  for (int64_t y = 0; y < h; ++y) {
    for (int64_t x = 0; x < w; ++x) {
      std::array<double, 3> c{};
      for (int64_t k = 0; k < 3; ++k)
        c[static_cast<size_t>(k)] = std::clamp(double{p[(k * h + y) * w + x]}, 0.0, 1.0);
      const Rgb v = shade(x, y, c);
      canvas.rect(static_cast<int>(x * scale), static_cast<int>(y * scale), static_cast<int>((x + 1) * scale),
                  static_cast<int>((y + 1) * scale), v);
    }
  }
  return canvas;
}

Rgb to_rgb(const std::array<double, 3>& c) {
  return {static_cast<uint8_t>(std::lround(c[0] * 255)), static_cast<uint8_t>(std::lround(c[1] * 255)),
          static_cast<uint8_t>(std::lround(c[2] * 255))};
}

}  // namespace

Tensor draw_boxes(const Tensor& image, const Tensor& boxes, const Tensor& labels, const Tensor& scores,
                  const std::vector<std::string>& names, int64_t scale) {
  const char* op = "draw_boxes";
  STRATA_CHECK(boxes.defined() && boxes.dim() == 2 && boxes.size(1) == 4, "{}: boxes must be [K, 4], got {}",
               op, boxes.defined() ? boxes.shape().str() : std::string("none"));
  const int64_t k = boxes.size(0);
  STRATA_CHECK(labels.defined() && labels.dim() == 1 && labels.size(0) == k, "{}: labels must be [{}]", op,
               k);
  STRATA_CHECK(!scores.defined() || (scores.dim() == 1 && scores.size(0) == k), "{}: scores must be [{}]", op,
               k);
  Canvas canvas =
      upscaled(image, scale, op, [](int64_t, int64_t, const std::array<double, 3>& c) { return to_rgb(c); });
  const auto b = boxes.to(kCPU).to(kFloat64).contiguous().to_vector<double>();
  const auto l = labels.to(kCPU).to(kInt64).contiguous().to_vector<int64_t>();
  const std::vector<double> s = scores.defined()
                                    ? scores.to(kCPU).to(kFloat64).contiguous().to_vector<double>()
                                    : std::vector<double>{};
  const auto sc = static_cast<double>(scale);
  for (int64_t i = 0; i < k; ++i) {
    const int64_t label = l[static_cast<size_t>(i)];
    const Rgb color = kPalette[static_cast<size_t>(((label % 10) + 10) % 10)];
    const double x1 = b[static_cast<size_t>(i * 4)] * sc, y1 = b[static_cast<size_t>(i * 4 + 1)] * sc;
    const double x2 = b[static_cast<size_t>(i * 4 + 2)] * sc - 1,
                 y2 = b[static_cast<size_t>(i * 4 + 3)] * sc - 1;
    canvas.line(x1, y1, x2, y1, color, 2);
    canvas.line(x2, y1, x2, y2, color, 2);
    canvas.line(x2, y2, x1, y2, color, 2);
    canvas.line(x1, y2, x1, y1, color, 2);
    std::string text = label >= 0 && label < static_cast<int64_t>(names.size())
                           ? names[static_cast<size_t>(label)]
                           : fmt::format("{}", label);
    if (!s.empty()) text += fmt::format(" {:.2f}", s[static_cast<size_t>(i)]);
    const int tx = static_cast<int>(std::lround(x1)), ty = static_cast<int>(std::lround(y1)) - 12;
    canvas.rect(tx - 1, ty, tx + Canvas::text_width(text) + 2, ty + 11, color);
    canvas.text(tx + 1, ty + 1, text, kWhite);
  }
  return canvas.to_tensor();
}

Tensor draw_mask(const Tensor& image, const Tensor& mask, double alpha, int64_t scale) {
  const char* op = "draw_mask";
  STRATA_CHECK(mask.defined() && mask.dim() == 2, "{}: mask must be a class map [H, W], got {}", op,
               mask.defined() ? mask.shape().str() : std::string("none"));
  STRATA_CHECK(
      image.defined() && image.dim() == 3 && image.size(1) == mask.size(0) && image.size(2) == mask.size(1),
      "{}: image {} and mask {} must have the same height and width", op,
      image.defined() ? image.shape().str() : std::string("none"), mask.shape().str());
  STRATA_CHECK(alpha >= 0 && alpha <= 1, "{}: alpha must be in [0, 1], got {}", op, alpha);
  const auto m = mask.to(kCPU).to(kInt64).contiguous().to_vector<int64_t>();
  const int64_t w = mask.size(1);
  return upscaled(image, scale, op,
                  [&](int64_t x, int64_t y, const std::array<double, 3>& c) {
                    const int64_t label = m[static_cast<size_t>(y * w + x)];
                    if (label <= 0) return to_rgb(c);
                    const Rgb col = kPalette[static_cast<size_t>((label - 1) % 10)];
                    std::array<double, 3> out{};
                    for (size_t i = 0; i < 3; ++i) out[i] = (1 - alpha) * c[i] + alpha * col[i] / 255.0;
                    return to_rgb(out);
                  })
      .to_tensor();
}

void plot_roc_curve(const std::string& path, const RocAuc& metric,
                    const std::vector<std::string>& class_names) {
  plot_roc_curves(path, metric.curves(), class_names);
}

}  // namespace strata::metrics
