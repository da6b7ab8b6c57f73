#include "strata/data/text/text_dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "data/shuffle.h"
#include "strata/core/factory.h"

namespace fs = std::filesystem;

namespace strata::data::text {
namespace {

bool has_extension(const std::string& name, const std::vector<std::string>& extensions) {
  if (extensions.empty()) return true;
  return std::any_of(extensions.begin(), extensions.end(), [&](const std::string& e) {
    return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
  });
}

std::string read_file(const fs::path& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "load_text_folder: cannot open {}", path.string());
  std::string out;
  if (max_bytes > 0) {
    out.resize(max_bytes);
    in.read(out.data(), static_cast<std::streamsize>(max_bytes));
    out.resize(static_cast<size_t>(in.gcount()));
  } else {
    std::stringstream ss;
    ss << in.rdbuf();
    out = ss.str();
  }
  STRATA_CHECK(!in.bad(), "load_text_folder: reading {} failed", path.string());
  return out;
}

}  // namespace

TextCorpus load_text_folder(const std::string& root, const TextFolderOptions& options) {
  std::error_code ec;
  STRATA_CHECK(fs::is_directory(root, ec), "load_text_folder: {} is not a folder", root);
  std::vector<std::string> folders;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (entry.is_directory()) folders.push_back(entry.path().filename().string());
  }
  STRATA_CHECK(!folders.empty(), "load_text_folder: {} has no sub-folders (expected one per class)", root);
  std::sort(folders.begin(), folders.end());
  // Class names, sorted, then each folder's files under its class.
  std::map<std::string, std::vector<std::string>> class_folders;
  for (const auto& f : folders) class_folders[options.class_of ? options.class_of(f) : f].push_back(f);
  TextCorpus corpus;
  for (const auto& [name, dirs] : class_folders) {
    STRATA_CHECK(!name.empty(), "load_text_folder: folder {}/{} maps to an empty class name", root,
                 dirs.front());
    const auto label = static_cast<int64_t>(corpus.classes.size());
    corpus.classes.push_back(name);
    for (const auto& dir : dirs) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(fs::path(root) / dir)) {
        if (entry.is_regular_file() && has_extension(entry.path().filename().string(), options.extensions)) {
          files.push_back(entry.path());
        }
      }
      std::sort(files.begin(), files.end());
      for (const auto& p : files) {
        corpus.texts.push_back(read_file(p, options.max_bytes));
        corpus.labels.push_back(label);
        corpus.paths.push_back(p.string());
      }
    }
  }
  STRATA_CHECK(!corpus.texts.empty(), "load_text_folder: no files{} under the class folders of {}",
               options.extensions.empty() ? "" : " with the expected extension", root);
  return corpus;
}

TextClassificationDataset::TextClassificationDataset(std::vector<std::string> texts,
                                                     std::vector<int64_t> labels, TextEncoder encoder,
                                                     TextDatasetOptions options)
    : texts_(std::move(texts)),
      labels_(std::move(labels)),
      encoder_(std::move(encoder)),
      options_(std::move(options)) {
  STRATA_CHECK(texts_.size() == labels_.size(), "TextClassificationDataset: {} texts but {} labels",
               texts_.size(), labels_.size());
  STRATA_CHECK(static_cast<bool>(encoder_), "TextClassificationDataset: the encoder is empty");
  STRATA_CHECK(options_.max_length >= 0, "TextClassificationDataset: max_length must be >= 0, got {}",
               options_.max_length);
  reads_ = std::make_unique<std::atomic<uint32_t>[]>(texts_.size());
}

TextClassificationDataset::TextClassificationDataset(const TextCorpus& corpus, TextEncoder encoder,
                                                     TextDatasetOptions options)
    : TextClassificationDataset(corpus.texts, corpus.labels, std::move(encoder), std::move(options)) {}

void TextClassificationDataset::set_epoch(int64_t epoch) const {
  STRATA_CHECK(epoch >= 0, "TextClassificationDataset: set_epoch expects a non-negative epoch, got {}",
               epoch);
  for (size_t i = 0; i < texts_.size(); ++i)
    reads_[i].store(static_cast<uint32_t>(epoch), std::memory_order_relaxed);
}

Example TextClassificationDataset::get(int64_t index) const {
  STRATA_CHECK(index >= 0 && index < size(),
               "TextClassificationDataset: index {} is out of range for a dataset of size {}", index, size());
  const auto i = static_cast<size_t>(index);
  std::vector<int64_t> ids;
  if (options_.transform) {
    const uint32_t k = reads_[i].fetch_add(1, std::memory_order_relaxed);
    Generator gen(
        detail::mix64(detail::mix64(detail::mix64(options_.seed) ^ static_cast<uint64_t>(index)) ^ k));
    ids = encoder_(options_.transform(texts_[i], gen));
  } else {
    ids = encoder_(texts_[i]);
  }
  if (options_.max_length > 0 && static_cast<int64_t>(ids.size()) > options_.max_length) {
    ids.resize(static_cast<size_t>(options_.max_length));
  }
  const auto n = static_cast<int64_t>(ids.size());
  return {from_vector(ids, Shape{n}), scalar_tensor(static_cast<double>(labels_[i]), {.dtype = kInt64})};
}

std::pair<TextCorpus, TextCorpus> stratified_split(const TextCorpus& corpus, double test_fraction,
                                                   uint64_t seed) {
  STRATA_CHECK(test_fraction > 0.0 && test_fraction < 1.0,
               "stratified_split: test_fraction must be in (0, 1), got {}", test_fraction);
  STRATA_CHECK(corpus.texts.size() == corpus.labels.size(), "stratified_split: {} texts but {} labels",
               corpus.texts.size(), corpus.labels.size());
  std::map<int64_t, std::vector<int64_t>> by_class;
  for (size_t i = 0; i < corpus.labels.size(); ++i)
    by_class[corpus.labels[i]].push_back(static_cast<int64_t>(i));
  Generator gen(detail::mix64(seed));
  std::vector<int64_t> train_idx, test_idx;
  for (auto& [label, idx] : by_class) {
    const std::vector<int64_t> perm = detail::permutation(static_cast<int64_t>(idx.size()), gen);
    const auto n_test = static_cast<size_t>(std::llround(test_fraction * static_cast<double>(idx.size())));
    for (size_t j = 0; j < perm.size(); ++j) {
      (j < n_test ? test_idx : train_idx).push_back(idx[static_cast<size_t>(perm[j])]);
    }
  }
  // Interleave classes within each part so batches are mixed even without shuffling.
  const auto build = [&](std::vector<int64_t> idx) {
    const std::vector<int64_t> perm = detail::permutation(static_cast<int64_t>(idx.size()), gen);
    TextCorpus out;
    out.classes = corpus.classes;
    for (int64_t p : perm) {
      const auto i = static_cast<size_t>(idx[static_cast<size_t>(p)]);
      out.texts.push_back(corpus.texts[i]);
      out.labels.push_back(corpus.labels[i]);
      if (i < corpus.paths.size()) out.paths.push_back(corpus.paths[i]);
    }
    return out;
  };
  TextCorpus train = build(std::move(train_idx));
  TextCorpus test = build(std::move(test_idx));
  return {std::move(train), std::move(test)};
}

}  // namespace strata::data::text
