// A small rasteriser for training curves: axes, ticks, lines and a legend drawn into an RGB buffer, with
// text from stb_easy_font (quads) and PNG encoding by stb_image_write.
#include "strata/train/plot.h"

#include <stb_easy_font.h>
#include <stb_image_write.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>

#include "strata/core/error.h"
#include "strata/io/atomic_file.h"

namespace strata::train {
namespace {

using Rgb = std::array<uint8_t, 3>;
constexpr Rgb kBlack{30, 30, 30}, kGrid{225, 225, 225};
constexpr std::array<Rgb, 4> kPalette{{{31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40}}};

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), px_(static_cast<size_t>(w) * h * 3, 255) {}

  void set(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
    std::copy(c.begin(), c.end(), px_.begin() + (static_cast<size_t>(y) * w_ + x) * 3);
  }
  void rect(int x0, int y0, int x1, int y1, Rgb c) {
    for (int y = y0; y < y1; ++y) {
      for (int x = x0; x < x1; ++x) set(x, y, c);
    }
  }
  // A line of the given thickness (Bresenham with a square pen).
  void line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1) {
    const int steps = static_cast<int>(std::max(std::abs(x1 - x0), std::abs(y1 - y0))) + 1;
    for (int i = 0; i <= steps; ++i) {
      const double t = static_cast<double>(i) / steps;
      const int x = static_cast<int>(std::lround(x0 + (x1 - x0) * t));
      const int y = static_cast<int>(std::lround(y0 + (y1 - y0) * t));
      rect(x - thickness / 2, y - thickness / 2, x - thickness / 2 + thickness, y - thickness / 2 + thickness,
           c);
    }
  }
  // Text with its top-left at (x, y), scaled by an integer factor.
  void text(int x, int y, const std::string& s, Rgb c, int scale = 1) {
    std::vector<char> buffer(s.size() * 1024 + 64);  // stb_easy_font drops segments when short
    const int quads = stb_easy_font_print(0, 0, const_cast<char*>(s.c_str()), nullptr, buffer.data(),
                                          static_cast<int>(buffer.size()));
    const float* v = reinterpret_cast<const float*>(buffer.data());
    for (int q = 0; q < quads; ++q) {
      const float* quad = v + q * 16;  // 4 vertices of (x, y, z, rgba)
      const int qx0 = static_cast<int>(quad[0]), qy0 = static_cast<int>(quad[1]);
      const int qx1 = static_cast<int>(quad[8]), qy1 = static_cast<int>(quad[9]);
      rect(x + qx0 * scale, y + qy0 * scale, x + qx1 * scale, y + qy1 * scale, c);
    }
  }
  static int text_width(const std::string& s, int scale = 1) {
    return stb_easy_font_width(const_cast<char*>(s.c_str())) * scale;
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

std::string tick_label(double v) {
  std::string s = fmt::format("{:.3g}", v);
  return s == "-0" ? "0" : s;
}

void draw_panel(Canvas& c, int x0, int width, int height, const std::string& title,
                const std::vector<Series>& series, const std::string& x_label) {
  const int left = x0 + 58, right = x0 + width - 16, top = 34, bottom = height - 38;
  size_t n = 0;
  double lo = INFINITY, hi = -INFINITY;
  for (const Series& s : series) {
    n = std::max(n, s.values.size());
    for (const auto* values : {&s.values, &s.lower, &s.upper}) {
      for (double v : *values) {
        if (!std::isfinite(v)) continue;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;
  const double pad = 0.06 * (hi - lo);
  lo -= pad;
  hi += pad;
  const double x_lo = n > 1 ? 1.0 : 0.5, x_hi = n > 1 ? static_cast<double>(n) : 1.5;
  auto px = [&](double x) { return left + (x - x_lo) / (x_hi - x_lo) * (right - left); };
  auto py = [&](double y) { return bottom - (y - lo) / (hi - lo) * (bottom - top); };

  c.text(x0 + (width - Canvas::text_width(title, 2)) / 2, 8, title, kBlack, 2);
  for (int i = 0; i <= 4; ++i) {  // horizontal grid and y ticks
    const double v = lo + (hi - lo) * i / 4.0;
    const int y = static_cast<int>(py(v));
    c.line(left, y, right, y, kGrid);
    const std::string label = tick_label(v);
    c.text(left - 6 - Canvas::text_width(label), y - 4, label, kBlack);
  }
  const int x_ticks = static_cast<int>(std::min<size_t>(n, 10));
  for (int i = 0; i < x_ticks; ++i) {  // epoch ticks
    const double e = x_ticks > 1 ? 1 + std::round((n - 1) * static_cast<double>(i) / (x_ticks - 1)) : 1.0;
    const int x = static_cast<int>(px(e));
    c.line(x, bottom, x, bottom + 4, kBlack);
    const std::string label = fmt::format("{}", static_cast<int>(e));
    c.text(x - Canvas::text_width(label) / 2, bottom + 7, label, kBlack);
  }
  c.text(left + (right - left - Canvas::text_width(x_label)) / 2, bottom + 22, x_label, kBlack);
  c.line(left, top, left, bottom, kBlack);
  c.line(left, bottom, right, bottom, kBlack);

  for (size_t k = 0; k < series.size(); ++k) {  // bands first, under every line
    const Series& s = series[k];
    if (s.lower.size() != s.values.size() || s.upper.size() != s.values.size() || s.values.size() < 2)
      continue;
    Rgb light = kPalette[k % kPalette.size()];
    for (uint8_t& ch : light) ch = static_cast<uint8_t>(ch + (255 - ch) * 3 / 4);
    for (size_t i = 0; i + 1 < s.values.size(); ++i) {
      const int xa = static_cast<int>(px(static_cast<double>(i + 1)));
      const int xb = static_cast<int>(px(static_cast<double>(i + 2)));
      for (int x = xa; x <= xb; ++x) {
        const double t = xb > xa ? static_cast<double>(x - xa) / (xb - xa) : 0.0;
        const double upper = s.upper[i] + t * (s.upper[i + 1] - s.upper[i]);
        const double lower = s.lower[i] + t * (s.lower[i + 1] - s.lower[i]);
        c.rect(x, static_cast<int>(py(upper)), x + 1, static_cast<int>(py(lower)) + 1, light);
      }
    }
  }
  for (size_t k = 0; k < series.size(); ++k) {
    const Rgb color = kPalette[k % kPalette.size()];
    const std::vector<double>& v = series[k].values;
    for (size_t i = 0; i < v.size(); ++i) {
      const double x = px(static_cast<double>(i + 1)), y = py(v[i]);
      if (i > 0) c.line(px(static_cast<double>(i)), py(v[i - 1]), x, y, color, 2);
      c.rect(static_cast<int>(x) - 2, static_cast<int>(y) - 2, static_cast<int>(x) + 3,
             static_cast<int>(y) + 3, color);
    }
  }

  // Legend on a white box, in the corner the curves cross least (train and validation curves often end
  // together in the top right of an accuracy plot).
  int text_w = 0;
  for (const Series& s : series) text_w = std::max(text_w, Canvas::text_width(s.label));
  const int box_w = text_w + 34, box_h = static_cast<int>(series.size()) * 14 + 8;
  const std::array<std::pair<int, int>, 4> corners{{{right - box_w - 8, top + 6},
                                                    {left + 8, top + 6},
                                                    {right - box_w - 8, bottom - box_h - 6},
                                                    {left + 8, bottom - box_h - 6}}};
  auto crossings = [&](int bx, int by) {
    int hits = 0;
    for (const Series& s : series) {
      for (size_t i = 0; i < s.values.size(); ++i) {
        const int samples = i == 0 ? 1 : 64;  // points along the segment from the previous value
        for (int j = 0; j < samples; ++j) {
          const double t = samples == 1 ? 1.0 : static_cast<double>(j + 1) / samples;
          const double xv = i == 0 ? 1.0 : static_cast<double>(i) + t;
          const double yv = i == 0 ? s.values[0] : s.values[i - 1] + (s.values[i] - s.values[i - 1]) * t;
          const double x = px(xv), y = py(yv);
          if (x >= bx - 3 && x <= bx + box_w + 3 && y >= by - 3 && y <= by + box_h + 3) ++hits;
        }
      }
    }
    return hits;
  };
  auto [bx, by] = corners[0];
  int best = crossings(bx, by);
  for (size_t i = 1; i < corners.size() && best > 0; ++i) {
    const int hits = crossings(corners[i].first, corners[i].second);
    if (hits < best) best = hits, bx = corners[i].first, by = corners[i].second;
  }
  c.rect(bx, by, bx + box_w, by + box_h, kGrid);
  c.rect(bx + 1, by + 1, bx + box_w - 1, by + box_h - 1, Rgb{255, 255, 255});
  for (size_t k = 0; k < series.size(); ++k) {
    const int ly = by + 5 + static_cast<int>(k) * 14;
    c.rect(bx + 6, ly + 2, bx + 22, ly + 5, kPalette[k % kPalette.size()]);
    c.text(bx + 28, ly, series[k].label, kBlack);
  }
}

}  // namespace

void plot_line_panels(const std::string& path,
                      const std::vector<std::pair<std::string, std::vector<Series>>>& panels, int panel_width,
                      int height, const std::string& x_label) {
  STRATA_CHECK(!panels.empty(), "plot: nothing to draw for {}", path);
  STRATA_CHECK(panel_width >= 160 && height >= 120, "plot: size {}x{} is too small", panel_width, height);
  Canvas canvas(panel_width * static_cast<int>(panels.size()), height);
  for (size_t i = 0; i < panels.size(); ++i) {
    draw_panel(canvas, static_cast<int>(i) * panel_width, panel_width, height, panels[i].first,
               panels[i].second, x_label);
  }
  canvas.write_png(path);
}

}  // namespace strata::train
