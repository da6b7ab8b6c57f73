#pragma once
// The emoji images of npm emoji-datasource-google@16.0.0 as a 9-class colour image set: 64x64 PNGs (RGBA)
// sorted by their emoji.json category. `scripts/fetch-data emoji` lays them out as an ImageFolder:
// <root>/<category>/<image>.png, one image per emoji (no skin-tone variants, no "Component" category).
#include <string>
#include <vector>

#include "strata/data/image/image_folder.h"

namespace strata::data::image {

// The folder the emoji set is read from: $STRATA_DATA/emoji when STRATA_DATA is set, else
// ~/.cache/strata/emoji (filled by scripts/fetch-data emoji).
std::string emoji_root();

// Defaults for the emoji set: RGB f32, transparent pixels composited over white.
ImageFolderOptions emoji_options();

class Emoji : public ImageFolder {
 public:
  // Throws naming scripts/fetch-data and the npm package when the set is missing or incomplete.
  explicit Emoji(const std::string& root = "", ImageFolderOptions options = emoji_options());
  // The 9 category folder names in label order.
  static const std::vector<std::string>& categories();
};

}  // namespace strata::data::image
