#pragma once
// The data a config trains and evaluates on, whatever its source: image datasets (image_data.cpp), text
// (text_data.cpp) or CSV/ARFF tables (table_data.cpp). Commands build the model from `input_shape` and
// read batches through `collate`, so they do not depend on the source.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "strata/data.h"

namespace strata::cli {

struct TrainingData {
  std::shared_ptr<const data::Dataset> train;  // null when only the test split was asked for
  std::shared_ptr<const data::Dataset> val;    // null: the config holds no validation split out
  std::shared_ptr<const data::Dataset> test;
  Shape input_shape;                 // one example with a batch dimension of 1 ({1, C, H, W} for images)
  Dtype input_dtype = kFloat32;      // i64 for token ids
  std::vector<std::string> classes;  // class names for reports; empty when unnamed or regression
  data::Collate collate = data::default_collate;
  int64_t vocab_size = 0;  // text: the tokenizer's vocabulary size (layer arguments may say vocab_size)
  std::optional<int64_t> pad_id;  // padded text batches: the token id written past each sequence's end
  std::string description;        // what the run log calls the data ("fashion-mnist", "penguins.csv")
  // Preprocessing fitted on the training split that belongs with the model (a table's encoders and
  // scalers as preprocessing.json, a text tokenizer as tokenizer.json); unset for sources without any.
  // `save_preprocessing` writes it into a run folder; `load_preprocessing` rebuilds `data`'s test split
  // (and what depends on it: vocab_size, pad_id, collate) with what a run folder holds, and returns false,
  // changing nothing, when the folder holds none.
  std::function<void(const std::string& run_dir)> save_preprocessing;
  std::function<bool(const std::string& run_dir, TrainingData& data)> load_preprocessing;
  // Image sources (unset for others): one image file of any size and channel count as a model input
  // [1, C, H, W], prepared as the test images are (with the statistics load_preprocessing read); throws
  // naming the file when it is missing or cannot be decoded.
  std::function<Tensor(const std::string& path)> read_input;
};

// Loads the splits the config names. `with_train` false loads only what evaluation needs (the test split
// and whatever describes the inputs). Throws strata::Error naming the file or field on bad data.
TrainingData load_training_data(const Config& c, bool with_train = true);

// Sources, one per kind of data (dispatched on data.dataset by load_training_data). load_image_data reads
// fashion-mnist, mnist, image-folder and emoji.
TrainingData load_image_data(const Config& c, bool with_train);
TrainingData load_text_data(const Config& c, bool with_train);
TrainingData load_table_data(const Config& c, bool with_train);
// spoken-digits, spoken-digits-real (audio_data.cpp): log-mel features of spoken digits.
TrainingData load_audio_data(const Config& c, bool with_train);
// fashion-mnist, mnist: the normalisation of `data.dataset` (mean, std).
std::pair<double, double> image_normalization(const std::string& dataset);
// fashion-mnist, mnist: u8 [N, 28, 28] -> f32 [N, 1, 28, 28] in [0, 1], normalised when the config asks.
Tensor prepare_images(const Tensor& images, const Config& c);
// fashion-detection, fashion-segmentation: object canvases from Fashion-MNIST (canvas_data.cpp).
bool is_canvas_dataset(const std::string& dataset);
TrainingData load_canvas_data(const Config& c, bool with_train);

}  // namespace strata::cli
