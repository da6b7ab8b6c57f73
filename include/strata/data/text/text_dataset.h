#pragma once
// Labelled text: reading a folder with one sub-folder per class, and a Dataset that tokenizes (and
// optionally augments) each text when it is read.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/core/generator.h"
#include "strata/data/dataset.h"

namespace strata::data::text {

// Texts with class indices into `classes`.
struct TextCorpus {
  std::vector<std::string> texts;
  std::vector<int64_t> labels;
  std::vector<std::string> classes;
  std::vector<std::string> paths;  // the file each text came from (empty when not read from files)
  int64_t size() const { return static_cast<int64_t>(texts.size()); }
};

struct TextFolderOptions {
  // File name endings to read (case-sensitive); empty: every regular file.
  std::vector<std::string> extensions = {".txt"};
  // Maps a sub-folder's name to its class name (several folders may share a class); empty: the folder name.
  std::function<std::string(const std::string& folder)> class_of{};
  // Read at most this many bytes of each file (0: all).
  size_t max_bytes = 0;
};

// Reads root/<folder>/<file>: class names sorted, files sorted within each folder, so the order is stable.
// Throws naming the folder when it is missing, has no sub-folders, or a file cannot be read.
TextCorpus load_text_folder(const std::string& root, const TextFolderOptions& options = {});

// Text -> token ids (e.g. a tokenizer's encode).
using TextEncoder = std::function<std::vector<int64_t>(const std::string&)>;
// Text -> augmented text, drawing randomness only from the given generator (e.g. EDA).
using TextTransform = std::function<std::string(const std::string&, Generator&)>;

struct TextDatasetOptions {
  int64_t max_length = 0;     // keep the first max_length ids (0: all)
  TextTransform transform{};  // applied before encoding, when set
  uint64_t seed = 0;  // augmentation of example i on its k-th read draws from a generator seeded (seed, i, k)
};

// Example i: input i64 [L_i] (the encoded text, L_i >= 0 varies), target i64 0-dim (the label).
// Augmentation draws from a generator seeded by (seed, index, how often this index was read), so a run is
// reproducible for a seed whatever the number of DataLoader workers, and each epoch sees new variants. The
// DataLoader's set_epoch() pins the read counts to the epoch, so a resumed run draws the same variants.
class TextClassificationDataset : public Dataset {
 public:
  TextClassificationDataset(std::vector<std::string> texts, std::vector<int64_t> labels, TextEncoder encoder,
                            TextDatasetOptions options = {});
  TextClassificationDataset(const TextCorpus& corpus, TextEncoder encoder, TextDatasetOptions options = {});
  int64_t size() const override { return static_cast<int64_t>(texts_.size()); }
  Example get(int64_t index) const override;
  // Sets every read count to `epoch` (the DataLoader calls it at the start of each epoch).
  void set_epoch(int64_t epoch) const override;
  const std::vector<std::string>& texts() const { return texts_; }
  const std::vector<int64_t>& labels() const { return labels_; }

 private:
  std::vector<std::string> texts_;
  std::vector<int64_t> labels_;
  TextEncoder encoder_;
  TextDatasetOptions options_;
  std::unique_ptr<std::atomic<uint32_t>[]> reads_;  // per-index read counts (augmentation seeds)
};

// Splits a corpus into disjoint train and test parts with the given test fraction, per class (each class
// keeps its share), shuffled with the seed.
std::pair<TextCorpus, TextCorpus> stratified_split(const TextCorpus& corpus, double test_fraction,
                                                   uint64_t seed);

}  // namespace strata::data::text
