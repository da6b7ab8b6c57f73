#pragma once
// Line plots written as PNG (own rasteriser + stb_image_write): training curves for a run.
#include <string>
#include <vector>

namespace strata::train {

struct Series {
  std::string label;
  std::vector<double> values;  // y for x = 1, 2, ...
  // Optional: a shaded band from lower to upper around the line (e.g. +- one std over seeds); drawn when
  // both have the length of `values`.
  std::vector<double> lower{}, upper{};
};

// One panel per entry of `panels` (title, series), side by side, with axes, ticks, legend and `x_label`
// under the x axis; writes PNG.
void plot_line_panels(const std::string& path,
                      const std::vector<std::pair<std::string, std::vector<Series>>>& panels,
                      int panel_width = 480, int height = 360, const std::string& x_label = "epoch");

}  // namespace strata::train
