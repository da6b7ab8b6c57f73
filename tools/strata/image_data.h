#pragma once
// The colour image sources of `strata train` (image_data.cpp): an image folder and the emoji set. Their
// images are decoded once, converted to data.image.channels, resized to data.image.size and kept in memory as
// u8 [N, C, H, W]; each batch becomes f32 and is normalised per channel in the DataLoader's collate, with
// statistics from the config, from the run folder (normalization.json), or fitted on the training images.
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "strata/core/tensor.h"

namespace strata::cli {

// The file a run folder keeps the fitted per-channel statistics in.
inline constexpr const char* kNormalizationFile = "normalization.json";

// `path` when it is a folder, else `root`/`path` when `root` is set and that is a folder; empty when neither.
std::string find_image_folder(const std::string& path, const std::string& root);
// True when `folder` holds train/ and test/ sub-folders: the splits of an image-folder dataset.
bool has_split_folders(const std::string& folder);

// Per-channel statistics in [0, 1] units (pixel value / 255).
struct ChannelStats {
  std::vector<double> mean, std;
};
// The mean and (population) standard deviation of each channel of u8 images [N, C, H, W], in [0, 1] units.
ChannelStats channel_stats(const Tensor& images);

// Turns a batch of images into model inputs: u8 [B, C, H, W] (or f32 in [0, 1], as augmentation leaves them)
// -> f32 (x / 255 - mean) / std per channel. The statistics are given, set later from a run folder, or
// fitted by `fit` the first time they are needed (thread-safe: DataLoader workers share one object).
class ImageNormalization {
 public:
  ImageNormalization(std::optional<ChannelStats> stats, std::function<ChannelStats()> fit);
  // The statistics in use, fitting them first when there are none yet.
  ChannelStats stats() const;
  // Replaces the statistics (those saved with a trained model).
  void set(ChannelStats stats);
  // The normalised f32 batch.
  Tensor operator()(const Tensor& batch) const;

 private:
  mutable std::mutex mutex_;
  mutable std::optional<ChannelStats> stats_;
  std::function<ChannelStats()> fit_;
};

// A decoded image as stored (u8 [C, H, W], C = 1..4) converted to `config.channels` (alpha composited over
// config.background when set) and resized to height x width (antialiased bilinear) when its size differs.
Tensor fit_image(const Tensor& stored, const ImageDataConfig& config, int64_t height, int64_t width);

// Writes the statistics as JSON ({"channels": C, "mean": [...], "std": [...]}) to `path`.
void save_channel_stats(const std::string& path, const ChannelStats& stats);
// Reads what save_channel_stats wrote; throws naming the file when it is malformed or its channel count is
// not `channels`.
ChannelStats load_channel_stats(const std::string& path, int64_t channels);

}  // namespace strata::cli
