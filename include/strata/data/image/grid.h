#pragma once
// Image grids for previews (augmentation, samples, reconstructions), like torchvision's make_grid/save_image.
#include <string>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::data::image {

struct GridOptions {
  int64_t padding = 2;     // pixels between cells and around the grid
  double pad_value = 1.0;  // background in [0, 1] (1: white)
  int64_t scale = 1;       // each cell is upscaled by this integer factor (nearest), for tiny images
  bool normalize = false;  // stretch each image's own min..max to [0, 1] (for normalised inputs)
};

// Lays out [C, H, W] images (u8, or floating in [0, 1]; C in 1..4, sizes may differ) row by row, `ncols` per
// row, into one RGB u8 [3, H', W'] tensor. Grey is replicated; alpha is composited over pad_value.
Tensor make_grid(const std::vector<Tensor>& images, int64_t ncols, const GridOptions& options = {});
// make_grid written as a PNG (or JPEG, by extension) to `path`.
void save_grid(const std::string& path, const std::vector<Tensor>& images, int64_t ncols,
               const GridOptions& options = {});

}  // namespace strata::data::image
