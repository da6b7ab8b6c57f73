// The image datasets of `strata train`: Fashion-MNIST and MNIST (28x28 grey IDX files), an image folder (one
// sub-folder per class, PNG/JPEG of any size and channel count) and the emoji set, with optional
// augmentation.
//
// Folder and emoji images are decoded once, converted to data.image.channels, resized to data.image.size and
// kept as u8 [N, C, H, W] (1,906 emoji at 64x64 RGB: 23 MB, a quarter of f32); the collate turns each batch
// into normalised f32 in one vectorised pass. The per-channel statistics are the config's or fitted on the
// training images and saved as normalization.json in the run folder, which eval and predict read back.
#include "image_data.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <sstream>
#include <thread>

#include "data_command.h"
#include "strata/core/factory.h"
#include "strata/core/threading.h"
#include "strata/data/image/all.h"
#include "strata/data/table/split.h"
#include "strata/io/atomic_file.h"
#include "training_data.h"

namespace strata::cli {

namespace fs = std::filesystem;
namespace image = data::image;

std::pair<double, double> image_normalization(const std::string& dataset) {
  return dataset == "mnist" ? std::pair{0.1307, 0.3081} : std::pair{0.2860, 0.3530};
}

// Done once for the whole split rather than per example, in place: one copy of the split in memory.
Tensor prepare_images(const Tensor& images, const Config& c) {
  Tensor x = images.to(kFloat32).unsqueeze(1).contiguous();
  x.mul_(1.0 / 255.0);
  if (!c.data.range.empty()) {
    x.mul_(c.data.range[1] - c.data.range[0]).add_(c.data.range[0]);
  } else if (c.data.normalize) {
    const auto [mean, std] = image_normalization(c.data.dataset);
    x.add_(-mean).mul_(1.0 / std);
  }
  return x;
}

std::string find_image_folder(const std::string& path, const std::string& root) {
  std::error_code error;
  if (fs::is_directory(path, error)) return path;
  if (!root.empty() && fs::path(path).is_relative() && fs::is_directory(fs::path(root) / path, error))
    return (fs::path(root) / path).string();
  return "";
}

bool has_split_folders(const std::string& folder) {
  std::error_code error;
  return !folder.empty() && fs::is_directory(fs::path(folder) / "train", error) &&
         fs::is_directory(fs::path(folder) / "test", error);
}

ChannelStats channel_stats(const Tensor& images) {
  STRATA_CHECK(images.dtype() == kUInt8 && images.dim() == 4 && images.numel() > 0,
               "channel_stats: expects u8 images [N, C, H, W], got {} of shape {}",
               dtype_name(images.dtype()), images.shape().str());
  // One pass counting each value per channel; the moments follow exactly from the 256 counts.
  const Tensor x = images.contiguous();
  const int64_t n = x.size(0), c = x.size(1), hw = x.size(2) * x.size(3);
  std::vector<std::array<int64_t, 256>> counts(static_cast<size_t>(c));
  for (auto& h : counts) h.fill(0);
  const uint8_t* p = x.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t ch = 0; ch < c; ++ch) {
      auto& h = counts[static_cast<size_t>(ch)];
      const uint8_t* plane = p + (i * c + ch) * hw;
      for (int64_t j = 0; j < hw; ++j) ++h[plane[j]];
    }
  }
  ChannelStats stats;
  for (const auto& h : counts) {
    double total = 0, sum = 0, sum_sq = 0;
    for (int v = 0; v < 256; ++v) {
      const double k = static_cast<double>(h[static_cast<size_t>(v)]), u = v / 255.0;
      total += k;
      sum += k * u;
      sum_sq += k * u * u;
    }
    const double mean = sum / total;
    stats.mean.push_back(mean);
    stats.std.push_back(std::sqrt(std::max(0.0, sum_sq / total - mean * mean)));
  }
  return stats;
}

ImageNormalization::ImageNormalization(std::optional<ChannelStats> stats, std::function<ChannelStats()> fit)
    : stats_(std::move(stats)), fit_(std::move(fit)) {}

ChannelStats ImageNormalization::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!stats_) {
    STRATA_CHECK(fit_ != nullptr, "image normalisation: no statistics and nothing to fit them on");
    stats_ = fit_();
  }
  return *stats_;
}

void ImageNormalization::set(ChannelStats stats) {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_ = std::move(stats);
}

Tensor ImageNormalization::operator()(const Tensor& batch) const {
  const ChannelStats s = stats();
  STRATA_CHECK(batch.dim() == 4 && (batch.dtype() == kUInt8 || batch.dtype() == kFloat32),
               "image normalisation: expects a u8 or f32 batch [B, C, H, W], got {} of shape {}",
               dtype_name(batch.dtype()), batch.shape().str());
  const int64_t c = batch.size(1);
  STRATA_CHECK(
      (s.mean.size() == 1 || static_cast<int64_t>(s.mean.size()) == c) && s.mean.size() == s.std.size(),
      "image normalisation: {} mean/std values for images of {} channels", s.mean.size(), c);
  // (x * unit - mean) / std as one multiply and one add per element, each channel's factors broadcast.
  const double unit = batch.dtype() == kUInt8 ? 1.0 / 255.0 : 1.0;
  std::vector<float> scale(static_cast<size_t>(c)), shift(static_cast<size_t>(c));
  for (size_t i = 0; i < static_cast<size_t>(c); ++i) {
    const size_t k = s.mean.size() == 1 ? 0 : i;
    scale[i] = static_cast<float>(unit / s.std[k]);
    shift[i] = static_cast<float>(-s.mean[k] / s.std[k]);
  }
  // A u8 batch is converted into a new tensor; an f32 one (fresh from augmentation) is updated in place.
  Tensor x = batch.dtype() == kUInt8 ? batch.to(kFloat32) : batch.contiguous();
  x.mul_(from_vector(scale, Shape{1, c, 1, 1})).add_(from_vector(shift, Shape{1, c, 1, 1}));
  return x;
}

Tensor fit_image(const Tensor& stored, const ImageDataConfig& config, int64_t height, int64_t width) {
  Tensor img = image::convert_channels(stored, static_cast<int>(config.channels), config.background);
  if (img.size(1) != height || img.size(2) != width) img = image::resize(img, {height, width});
  return img.contiguous();
}

void save_channel_stats(const std::string& path, const ChannelStats& stats) {
  const nlohmann::json j = {{"channels", stats.mean.size()}, {"mean", stats.mean}, {"std", stats.std}};
  io::write_file_atomic(path, j.dump(2) + "\n");
}

ChannelStats load_channel_stats(const std::string& path, int64_t channels) {
  std::ifstream in(path);
  STRATA_CHECK(in.good(), "cannot read {}", path);
  ChannelStats s;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    s.mean = j.at("mean").get<std::vector<double>>();
    s.std = j.at("std").get<std::vector<double>>();
  } catch (const nlohmann::json::exception& e) {
    STRATA_FAIL("{}: not the per-channel statistics of a run (mean, std): {}", path, e.what());
  }
  STRATA_CHECK(
      static_cast<int64_t>(s.mean.size()) == channels && s.std.size() == s.mean.size(),
      "{} holds statistics for {} channels, but the config's images have {}: it was saved by a run of "
      "another config",
      path, s.mean.size(), channels);
  for (double v : s.std) STRATA_CHECK(v > 0, "{}: std {} is not positive", path, v);
  return s;
}

namespace {

// ---- fashion-mnist, mnist ---------------------------------------------------------------------------------

std::shared_ptr<data::TensorDataset> load_split(const Config& c, bool train) {
  data::ImageSplit split = c.data.dataset == "mnist" ? data::load_mnist(train, c.data.root)
                                                     : data::load_fashion_mnist(train, c.data.root);
  const int64_t limit = train ? c.data.limit : c.data.test_limit;
  if (limit > 0 && limit < split.images.size(0)) {
    split.images = split.images.narrow(0, 0, limit);
    split.labels = split.labels.narrow(0, 0, limit);
  }
  return std::make_shared<data::TensorDataset>(prepare_images(split.images, c), split.labels.contiguous());
}

// The training split as `train`, less a validation share (data.val_fraction, seeded, held out before
// augmentation so it is never augmented), augmented by data.augment with `last` appended to its transforms.
// `d.val` gets the held-out share with `last` alone.
void augment_training(const Config& c, std::shared_ptr<const data::Dataset> train,
                      std::vector<image::TransformSpec> first, std::vector<image::TransformSpec> last,
                      TrainingData& d) {
  std::vector<image::TransformSpec> specs = std::move(first);
  for (const auto& item : c.data.augment) specs.push_back(transform_spec(item, c.path));
  specs.insert(specs.end(), last.begin(), last.end());
  if (c.data.val_fraction > 0) {
    auto parts = data::random_split(train, std::vector<double>{1 - c.data.val_fraction, c.data.val_fraction},
                                    c.training.seed);
    STRATA_CHECK(parts[0]->size() > 0 && parts[1]->size() > 0,
                 "data.val_fraction {} leaves an empty training or validation set ({} examples)",
                 c.data.val_fraction, train->size());
    train = parts[0];
    d.val = last.empty() ? std::shared_ptr<const data::Dataset>(parts[1])
                         : std::make_shared<image::AugmentedDataset>(parts[1], image::make_pipeline(last),
                                                                     c.training.seed);
  }
  d.train = std::make_shared<image::AugmentedDataset>(train, image::make_pipeline(specs), c.training.seed);
}

bool augmenting(const Config& c) { return c.data.augment.IsDefined() && !c.data.augment.IsNull(); }

// The printed digit or garment of a 28x28 set: grey, resized, and inverted when its background is light.
Tensor read_grey_input(const std::string& path, const Config& c) {
  STRATA_CHECK(fs::is_regular_file(path), "image {} does not exist", path);
  Tensor grey;
  try {
    grey = image::read_image(path, {.channels = 1});
  } catch (const Error& e) {
    STRATA_FAIL("cannot read image {}: {}", path, e.what());
  }
  constexpr int64_t kSide = 28;
  if (grey.size(1) != kSide || grey.size(2) != kSide) grey = image::resize(grey, {kSide, kSide});
  grey = grey.contiguous();
  // The data sets show light objects on a black background; a photo on a light background is inverted.
  uint8_t* p = grey.data_ptr<uint8_t>();
  double border = 0;
  for (int64_t i = 0; i < kSide; ++i)
    border += p[i] + p[(kSide - 1) * kSide + i] + p[i * kSide] + p[i * kSide + kSide - 1];
  if (border / (4 * kSide) > 127) {
    for (int64_t i = 0; i < kSide * kSide; ++i) p[i] = static_cast<uint8_t>(255 - p[i]);
    std::cerr << "strata predict: light background, inverting the image to match the training data\n";
  }
  return prepare_images(grey, c);
}

TrainingData load_idx_data(const Config& c, bool with_train) {
  TrainingData d;
  if (with_train && augmenting(c)) {
    // The transforms see the images in [0, 1] so they fill with black, the images' own background; the
    // normalisation is the pipeline's last transform.
    Config raw = c;
    raw.data.normalize = false;
    std::vector<image::TransformSpec> normalize;
    if (c.data.normalize) {
      const auto [mean, std] = image_normalization(c.data.dataset);
      normalize.push_back({.name = "normalize", .numbers = {{"mean", {mean}}, {"std", {std}}}});
    }
    augment_training(c, load_split(raw, true), {}, normalize, d);
  } else if (with_train) {
    d.train = load_split(c, true);
  }
  d.test = load_split(c, false);
  d.input_shape = Shape{1, 1, 28, 28};
  d.classes = c.data.dataset == "mnist"
                  ? std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
                  : data::FashionMNIST::classes();
  d.description = c.data.dataset;
  d.read_input = [c](const std::string& path) { return read_grey_input(path, c); };
  return d;
}

// ---- image-folder, emoji ----------------------------------------------------------------------------------

// The files of one split: a folder and the positions of its images in the order they are used.
struct SplitFiles {
  std::shared_ptr<const image::ImageFolder> folder;
  std::vector<int64_t> indices;
};

// A seeded Fisher-Yates shuffle on the engine's raw output, the same with every standard library.
void shuffle(std::vector<int64_t>& v, uint64_t seed) {
  std::mt19937_64 engine(seed);
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<size_t>(engine() % i)]);
}

// The training and test files of the config: the emoji set or one folder cut by a stratified split, or the
// train/ and test/ folders of `path`; each split in a seeded random order, cut to data.limit / test_limit.
std::pair<SplitFiles, SplitFiles> open_splits(const Config& c) {
  const ImageDataConfig& ic = c.data.image;
  // Decoded as stored: fit_image converts, so training and predict share one conversion.
  const image::ImageFolderOptions stored{.channels = 0, .dtype = kUInt8};
  SplitFiles train, test;
  try {
    if (c.data.dataset == "emoji") {
      train.folder = std::make_shared<image::Emoji>(
          c.data.root, image::ImageFolderOptions{.extensions = {".png"}, .channels = 0, .dtype = kUInt8});
    } else if (has_split_folders(ic.path)) {
      train.folder = std::make_shared<image::ImageFolder>((fs::path(ic.path) / "train").string(), stored);
      test.folder = std::make_shared<image::ImageFolder>((fs::path(ic.path) / "test").string(), stored);
      STRATA_CHECK(train.folder->classes() == test.folder->classes(),
                   "{}/train holds the classes {} but {}/test holds {}: both need the same class folders",
                   ic.path, fmt::format("{}", fmt::join(train.folder->classes(), ", ")), ic.path,
                   fmt::format("{}", fmt::join(test.folder->classes(), ", ")));
    } else {
      train.folder = std::make_shared<image::ImageFolder>(ic.path, stored);
    }
  } catch (const Error& e) {
    STRATA_FAIL("{}: data.image: {}", ic.where, e.what());
  }
  if (test.folder) {
    train.indices.resize(static_cast<size_t>(train.folder->size()));
    std::iota(train.indices.begin(), train.indices.end(), 0);
    test.indices.resize(static_cast<size_t>(test.folder->size()));
    std::iota(test.indices.begin(), test.indices.end(), 0);
  } else {
    test.folder = train.folder;
    const std::vector<int64_t> labels = train.folder->targets().to_vector<int64_t>();
    const data::table::SplitIndices split = data::table::train_val_test_split(
        static_cast<int64_t>(labels.size()), labels, ic.test_fraction, 0.0, ic.seed);
    STRATA_CHECK(!split.train.empty() && !split.test.empty(),
                 "{}: data.image: {} images are too few for a training and a test split (test_fraction {})",
                 ic.where, labels.size(), ic.test_fraction);
    train.indices = split.train;
    test.indices = split.test;
  }
  shuffle(train.indices, ic.seed);
  shuffle(test.indices, ic.seed + 1);
  if (c.data.limit > 0 && c.data.limit < static_cast<int64_t>(train.indices.size()))
    train.indices.resize(static_cast<size_t>(c.data.limit));
  if (c.data.test_limit > 0 && c.data.test_limit < static_cast<int64_t>(test.indices.size()))
    test.indices.resize(static_cast<size_t>(c.data.test_limit));
  return {std::move(train), std::move(test)};
}

// Decodes a split into u8 images [N, C, height, width] and i64 labels [N], on the configured threads.
// height/width 0 take the first image's size, which every other image must then have.
data::TensorDataset decode_split(const SplitFiles& split, const ImageDataConfig& ic, int64_t& height,
                                 int64_t& width) {
  const image::ImageFolder& folder = *split.folder;
  const auto n = static_cast<int64_t>(split.indices.size());
  auto stored = [&](int64_t k) { return folder.load(split.indices[static_cast<size_t>(k)]); };
  auto path = [&](int64_t k) {
    return folder.samples()[static_cast<size_t>(split.indices[static_cast<size_t>(k)])].path;
  };
  const bool fixed = height > 0;
  Tensor first;
  try {
    first = stored(0);
  } catch (const Error& e) {
    STRATA_FAIL("{}: data.image: {}", ic.where, e.what());
  }
  if (!fixed) height = first.size(1), width = first.size(2);
  const int64_t c = ic.channels, size = c * height * width;
  Tensor images = empty(Shape{n, c, height, width}, {.dtype = kUInt8});
  uint8_t* out = images.data_ptr<uint8_t>();
  auto decode = [&](int64_t k, const Tensor& img) {
    if (!fixed && (img.size(1) != height || img.size(2) != width)) {
      STRATA_FAIL(
          "{}: data.image: {} is {}x{} but {} is {}x{}: set data.image.size to resize every image to "
          "one size",
          ic.where, path(k), img.size(1), img.size(2), path(0), height, width);
    }
    const Tensor fitted = fit_image(img, ic, height, width);
    std::memcpy(out + k * size, fitted.data_ptr<uint8_t>(), static_cast<size_t>(size));
  };
  decode(0, first);
  // PNG/JPEG decoding dominates loading; the images are independent, so threads take every t-th one.
  const int threads = static_cast<int>(std::clamp<int64_t>(n / 64, 1, std::max(1, get_num_threads())));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(threads));
  auto work = [&](int t) {
    try {
      for (int64_t k = 1 + t; k < n; k += threads) decode(k, stored(k));
    } catch (...) {
      errors[static_cast<size_t>(t)] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  for (const auto& e : errors) {
    if (!e) continue;
    try {
      std::rethrow_exception(e);
    } catch (const Error& error) {
      const std::string what = error.what();
      if (what.find("data.image") != std::string::npos) throw;
      STRATA_FAIL("{}: data.image: {}", ic.where, what);
    }
  }
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k)
    labels[static_cast<size_t>(k)] =
        folder.samples()[static_cast<size_t>(split.indices[static_cast<size_t>(k)])].label;
  return data::TensorDataset(images, from_vector(labels, Shape{n}));
}

// One image file as a batch of one, u8 [1, C, height, width].
Tensor read_colour_input(const std::string& path, const ImageDataConfig& ic, int64_t height, int64_t width) {
  STRATA_CHECK(fs::is_regular_file(path), "image {} does not exist", path);
  Tensor stored;
  try {
    stored = image::read_image(path);
  } catch (const Error& e) {
    STRATA_FAIL("cannot read image {}: {}", path, e.what());
  }
  return fit_image(stored, ic, height, width).unsqueeze(0);
}

TrainingData load_folder_data(const Config& c, bool with_train) {
  const ImageDataConfig& ic = c.data.image;
  const auto [train_files, test_files] = open_splits(c);
  int64_t height = ic.size.empty() ? 0 : ic.size[0], width = ic.size.empty() ? 0 : ic.size[1];
  // The training images set the size when the config gives none; the test images must agree with it.
  std::shared_ptr<data::TensorDataset> train;
  if (with_train) train = std::make_shared<data::TensorDataset>(decode_split(train_files, ic, height, width));
  auto test = std::make_shared<data::TensorDataset>(decode_split(test_files, ic, height, width));

  // Statistics: the config's; none (scale to [0, 1]) without normalize; else fitted on the training images,
  // decoded here only when a command needs them without a run folder that holds them.
  std::optional<ChannelStats> given;
  if (!c.data.normalize) {
    given = ChannelStats{std::vector<double>(static_cast<size_t>(ic.channels), 0.0),
                         std::vector<double>(static_cast<size_t>(ic.channels), 1.0)};
  } else if (!ic.mean.empty()) {
    given = ChannelStats{ic.mean, ic.std};
  }
  auto fit = [train, files = train_files, ic, height, width]() mutable {
    if (train) return channel_stats(train->inputs());
    int64_t h = height, w = width;
    return channel_stats(decode_split(files, ic, h, w).inputs());
  };
  auto normalization = std::make_shared<ImageNormalization>(given, fit);

  TrainingData d;
  d.test = test;
  if (with_train) {
    if (augmenting(c)) {
      // Transforms see f32 images in [0, 1] (fills are fractions of white); the collate normalises after.
      augment_training(c, train, {{.name = "to_float"}}, {}, d);
    } else {
      d.train = train;
    }
  }
  d.collate = [normalization](const std::vector<data::Example>& examples) {
    data::Batch batch = data::default_collate(examples);
    batch.input = (*normalization)(batch.input);
    return batch;
  };
  d.input_shape = Shape{1, ic.channels, height, width};
  d.classes = train_files.folder->classes();
  const int64_t total = static_cast<int64_t>(train_files.indices.size() + test_files.indices.size());
  d.description =
      fmt::format("{} ({} images of {} classes, {}x{}x{})", c.data.dataset == "emoji" ? "emoji" : ic.path,
                  total, d.classes.size(), ic.channels, height, width);
  const bool fitted = !given.has_value();
  d.save_preprocessing = [normalization, fitted](const std::string& run_dir) {
    if (fitted) save_channel_stats((fs::path(run_dir) / kNormalizationFile).string(), normalization->stats());
  };
  d.load_preprocessing = [normalization, fitted, channels = ic.channels](const std::string& run_dir,
                                                                         TrainingData&) {
    if (!fitted) return true;  // the config's own statistics: nothing was fitted
    const fs::path saved = fs::path(run_dir) / kNormalizationFile;
    if (!fs::is_regular_file(saved)) return false;
    normalization->set(load_channel_stats(saved.string(), channels));
    return true;
  };
  d.read_input = [normalization, ic, height, width](const std::string& path) {
    return (*normalization)(read_colour_input(path, ic, height, width));
  };
  return d;
}

}  // namespace

TrainingData load_image_data(const Config& c, bool with_train) {
  if (c.data.dataset == "image-folder" || c.data.dataset == "emoji") return load_folder_data(c, with_train);
  return load_idx_data(c, with_train);
}

}  // namespace strata::cli
