#include "strata/data/image/image_folder.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "data/image/image_util.h"
#include "kernels/elementwise.h"
#include "strata/core/factory.h"
#include "strata/data/image/io.h"

namespace strata::data::image {
namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool hidden(const fs::path& p) { return p.filename().string().starts_with('.'); }

}  // namespace

ImageFolder::ImageFolder(std::string root, ImageFolderOptions options)
    : root_(std::move(root)), options_(std::move(options)) {
  STRATA_CHECK(options_.channels >= 0 && options_.channels <= 4,
               "ImageFolder: channels must be 0 (as stored) or 1..4, got {}", options_.channels);
  STRATA_CHECK(options_.dtype == kUInt8 || options_.dtype == kFloat32,
               "ImageFolder: dtype must be u8 or f32, got {}", dtype_name(options_.dtype));
  STRATA_CHECK(!options_.background || (*options_.background >= 0.0 && *options_.background <= 1.0),
               "ImageFolder: background must be in [0, 1], got {}", options_.background.value_or(0.0));
  STRATA_CHECK(!options_.extensions.empty(), "ImageFolder: no file extensions given");
  for (std::string& e : options_.extensions) {
    STRATA_CHECK(e.size() >= 2 && e[0] == '.',
                 "ImageFolder: extension '{}' must start with a dot, like \".png\"", e);
    e = lower(e);
  }
  std::error_code ec;
  STRATA_CHECK(fs::is_directory(root_, ec), "ImageFolder: {} does not exist or is not a folder", root_);
  for (const fs::directory_entry& entry :
       fs::directory_iterator(root_, fs::directory_options::follow_directory_symlink))
    if (entry.is_directory() && !hidden(entry.path())) classes_.push_back(entry.path().filename().string());
  std::sort(classes_.begin(), classes_.end());
  STRATA_CHECK(!classes_.empty(), "ImageFolder: {} has no class folders (expected {}/<class>/<image>)", root_,
               root_);
  std::vector<std::string> empty_classes;
  for (size_t label = 0; label < classes_.size(); ++label) {
    std::vector<std::string> files;
    const fs::path dir = fs::path(root_) / classes_[label];
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::follow_directory_symlink);
         it != fs::recursive_directory_iterator(); ++it) {
      if (hidden(it->path())) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file()) continue;
      const std::string ext = lower(it->path().extension().string());
      if (std::find(options_.extensions.begin(), options_.extensions.end(), ext) != options_.extensions.end())
        files.push_back(it->path().string());
    }
    if (files.empty()) empty_classes.push_back(classes_[label]);
    std::sort(files.begin(), files.end());
    for (std::string& f : files) samples_.push_back({std::move(f), static_cast<int64_t>(label)});
  }
  STRATA_CHECK(empty_classes.empty(), "ImageFolder: {}: no image with extension {} in the class folder(s) {}",
               root_, fmt::join(options_.extensions, "/"), fmt::join(empty_classes, ", "));
}

Tensor ImageFolder::load(int64_t index) const {
  STRATA_CHECK(index >= 0 && index < size(), "ImageFolder: index {} is out of range for a dataset of size {}",
               index, size());
  const std::string& path = samples_[static_cast<size_t>(index)].path;
  const std::vector<uint8_t> bytes = detail::read_file(path, "ImageFolder");
  // Decode as stored and convert here: one decode, and alpha can be composited before it is dropped.
  Tensor img = decode_image(bytes, {.channels = 0, .dtype = kUInt8}, path);
  if (options_.channels > 0) img = convert_channels(img, options_.channels, options_.background);
  if (options_.dtype == kUInt8) return img;
  Tensor out = kernels::empty(img.shape(), kFloat32, kCPU);
  const uint8_t* in = img.data_ptr<uint8_t>();
  float* o = out.data_ptr<float>();
  for (int64_t i = 0; i < img.numel(); ++i) o[i] = static_cast<float>(in[i]) / 255.0f;
  return out;
}

Example ImageFolder::get(int64_t index) const {
  Tensor img = load(index);
  return {std::move(img),
          scalar_tensor(static_cast<double>(samples_[static_cast<size_t>(index)].label), {.dtype = kInt64})};
}

int64_t ImageFolder::class_index(const std::string& name) const {
  const auto it = std::find(classes_.begin(), classes_.end(), name);
  STRATA_CHECK(it != classes_.end(), "ImageFolder: unknown class '{}' (classes: {})", name,
               fmt::join(classes_, ", "));
  return static_cast<int64_t>(it - classes_.begin());
}

Tensor ImageFolder::targets() const {
  std::vector<int64_t> labels;
  labels.reserve(samples_.size());
  for (const ImageSample& s : samples_) labels.push_back(s.label);
  return from_vector(labels, Shape{static_cast<int64_t>(labels.size())});
}

}  // namespace strata::data::image
