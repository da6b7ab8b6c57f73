#pragma once
// ImageFolder: a classification dataset laid out as root/<class>/**/<image>, like torchvision's ImageFolder.
// Classes are the sub-folders of root in sorted order (label = position); images are found recursively in
// each class folder, in sorted path order, and decoded on every get() (thread-safe, for DataLoader workers).
#include <optional>
#include <string>
#include <vector>

#include "strata/data/dataset.h"

namespace strata::data::image {

struct ImageFolderOptions {
  // File extensions to keep, compared case-insensitively, with the dot.
  std::vector<std::string> extensions = {".png", ".jpg", ".jpeg"};
  int channels = 3;        // 1, 3 or 4 (0: as stored; all images of a batch must then agree)
  Dtype dtype = kFloat32;  // f32 in [0, 1] or u8
  // When set (in [0, 1]), images with alpha are composited over this grey level before dropping alpha (when
  // channels is 1 or 3); otherwise alpha is simply dropped, like PIL's convert("RGB").
  std::optional<double> background{};
};

// One image file and its class index.
struct ImageSample {
  std::string path;
  int64_t label = 0;
};

class ImageFolder : public Dataset {
 public:
  // Scans `root`; throws if it is missing, has no class folders, or a class has no image.
  explicit ImageFolder(std::string root, ImageFolderOptions options = {});
  int64_t size() const override { return static_cast<int64_t>(samples_.size()); }
  // Input [C, H, W] (options' dtype), target i64 0-dim class index.
  Example get(int64_t index) const override;
  // The image at `index` alone.
  Tensor load(int64_t index) const;

  const std::string& root() const { return root_; }
  const ImageFolderOptions& options() const { return options_; }
  // Class names (folder names) in label order.
  const std::vector<std::string>& classes() const { return classes_; }
  // The label of a class name; throws listing the classes if unknown.
  int64_t class_index(const std::string& name) const;
  const std::vector<ImageSample>& samples() const { return samples_; }
  // All labels in sample order, i64 [N].
  Tensor targets() const;

 private:
  std::string root_;
  ImageFolderOptions options_;
  std::vector<std::string> classes_;
  std::vector<ImageSample> samples_;
};

}  // namespace strata::data::image
