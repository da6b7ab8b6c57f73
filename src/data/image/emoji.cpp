#include "strata/data/image/emoji.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace strata::data::image {
namespace {

// Checks the set is there before ImageFolder scans it, so the error says how to get it.
std::string checked_root(const std::string& dir) {
  std::error_code ec;
  const bool present =
      std::filesystem::is_directory(dir, ec) &&
      std::all_of(Emoji::categories().begin(), Emoji::categories().end(),
                  [&](const std::string& c) { return std::filesystem::is_directory(dir + "/" + c, ec); });
  STRATA_CHECK(
      present,
      "Emoji: the emoji set is missing or incomplete in {} (expected the folders {}); run scripts/fetch-data "
      "emoji, which unpacks the npm package emoji-datasource-google@16.0.0 there, or point STRATA_DATA at a "
      "folder holding emoji/",
      dir, fmt::join(Emoji::categories(), ", "));
  return dir;
}

}  // namespace

std::string emoji_root() {
  if (const char* env = std::getenv("STRATA_DATA")) return std::string(env) + "/emoji";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.cache/strata/emoji";
}

ImageFolderOptions emoji_options() {
  return {.extensions = {".png"}, .channels = 3, .dtype = kFloat32, .background = 1.0};
}

Emoji::Emoji(const std::string& root, ImageFolderOptions options)
    : ImageFolder(checked_root(root.empty() ? emoji_root() : root), std::move(options)) {
  STRATA_CHECK(classes() == categories(), "Emoji: {} holds the classes {}, expected exactly {}", this->root(),
               fmt::join(classes(), ", "), fmt::join(categories(), ", "));
}

const std::vector<std::string>& Emoji::categories() {
  // emoji.json's categories (without "Component"), as folder names, in sorted order.
  static const std::vector<std::string> names = {"activities",      "animals-nature", "flags",
                                                 "food-drink",      "objects",        "people-body",
                                                 "smileys-emotion", "symbols",        "travel-places"};
  return names;
}

}  // namespace strata::data::image
