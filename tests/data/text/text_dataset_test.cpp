#include "strata/data/text/text_dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "data/data_test_util.h"
#include "strata/data/dataloader.h"
#include "strata/data/text/collate.h"
#include "strata/data/text/word_tokenizer.h"

namespace fs = std::filesystem;

namespace strata::data::text {
namespace {

// A temporary folder tree, removed at the end of the test.
class TempTree {
 public:
  explicit TempTree(const std::string& name) : root_(fs::path(::testing::TempDir()) / name) {
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  ~TempTree() { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& content) const {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel, std::ios::binary) << content;
  }
  std::string path() const { return root_.string(); }

 private:
  fs::path root_;
};

TEST(TextFolder, OneClassPerFolderSorted) {
  TempTree t("strata_text_folder");
  t.write("pos/b.txt", "great fun");
  t.write("pos/a.txt", "loved it");
  t.write("neg/x.txt", "boring");
  t.write("neg/skip.json", "{}");
  const TextCorpus c = load_text_folder(t.path());
  EXPECT_EQ(c.classes, (std::vector<std::string>{"neg", "pos"}));
  EXPECT_EQ(c.texts, (std::vector<std::string>{"boring", "loved it", "great fun"}));
  EXPECT_EQ(c.labels, (std::vector<int64_t>{0, 1, 1}));
  EXPECT_EQ(c.size(), 3);
  EXPECT_NE(c.paths[1].find("a.txt"), std::string::npos);
  // Every file, truncated.
  const TextCorpus all = load_text_folder(t.path(), {.extensions = {}, .max_bytes = 3});
  EXPECT_EQ(all.size(), 4);
  EXPECT_EQ(all.texts[2], "lov");
}

TEST(TextFolder, FoldersMappedToClasses) {
  TempTree t("strata_text_folder_map");
  t.write("spam-1/a.txt", "buy");
  t.write("spam-2/a.txt", "cheap");
  t.write("easy-ham-1/a.txt", "hi");
  const TextCorpus c = load_text_folder(
      t.path(), {.class_of = [](const std::string& f) { return f.rfind("spam", 0) == 0 ? "spam" : "ham"; }});
  EXPECT_EQ(c.classes, (std::vector<std::string>{"ham", "spam"}));
  EXPECT_EQ(c.labels, (std::vector<int64_t>{0, 1, 1}));
}

TEST(TextFolder, Errors) {
  EXPECT_ERROR_CONTAINS(load_text_folder("/nonexistent/texts"), "load_text_folder", "/nonexistent/texts",
                        "not a folder");
  TempTree flat("strata_text_folder_flat");
  flat.write("a.txt", "x");
  EXPECT_ERROR_CONTAINS(load_text_folder(flat.path()), "load_text_folder", "no sub-folders");
  TempTree empty("strata_text_folder_empty");
  empty.write("c/a.json", "x");
  EXPECT_ERROR_CONTAINS(load_text_folder(empty.path()), "load_text_folder", "no files");
}

TEST(TextClassificationDataset, EncodesAndTruncates) {
  const WordTokenizer tok = WordTokenizer::fit({"a b c d e"});
  const TextClassificationDataset ds({"a b c d e", "e"}, {1, 0},
                                     [&](const std::string& s) { return tok.encode(s); }, {.max_length = 3});
  EXPECT_EQ(ds.size(), 2);
  const Example e = ds.get(0);
  EXPECT_EQ(e.input.shape(), (Shape{3}));
  EXPECT_EQ(e.input.dtype(), kInt64);
  EXPECT_EQ(e.target.dim(), 0);
  EXPECT_EQ(e.target.item<int64_t>(), 1);
  EXPECT_EQ(ds.get(1).input.shape(), (Shape{1}));
  EXPECT_ERROR_CONTAINS(ds.get(2), "TextClassificationDataset", "index 2", "size 2");
  EXPECT_ERROR_CONTAINS(
      TextClassificationDataset({"a"}, {0, 1}, [](const std::string&) { return std::vector<int64_t>{}; }),
      "TextClassificationDataset", "1 texts but 2 labels");
}

TEST(TextClassificationDataset, AugmentationIsSeededPerIndexAndRead) {
  // A transform that appends a random number: shows which generator each read got.
  const TextTransform tag = [](const std::string& s, Generator& g) {
    return s + std::string(g.engine()() % 7, 'x');
  };
  const auto encode = [](const std::string& s) { return std::vector<int64_t>(s.size(), 0); };
  const auto run = [&](int workers) {
    auto ds = std::make_shared<TextClassificationDataset>(std::vector<std::string>{"x", "y", "z", "w"},
                                                          std::vector<int64_t>{0, 1, 0, 1}, encode,
                                                          TextDatasetOptions{.transform = tag, .seed = 5});
    DataLoader loader(ds, {.batch_size = 2,
                           .shuffle = true,
                           .seed = 1,
                           .num_workers = workers,
                           .collate = pad_collate({.pad_id = 9})});
    std::vector<int64_t> lengths;
    for (int epoch = 0; epoch < 3; ++epoch) {
      for (const Batch& b : loader) {
        for (int64_t v : sequence_lengths(b.input, 9).to_vector<int64_t>()) lengths.push_back(v);
      }
    }
    return lengths;
  };
  const auto a = run(0);
  EXPECT_EQ(a, run(2));  // the same whatever the number of workers
  // Direct reads: same seed, index and read count -> same text; a second read differs in general.
  TextClassificationDataset d1({"hello"}, {0},
                               [](const std::string& s) { return std::vector<int64_t>(s.size(), 1); },
                               {.transform = tag, .seed = 3});
  TextClassificationDataset d2({"hello"}, {0},
                               [](const std::string& s) { return std::vector<int64_t>(s.size(), 1); },
                               {.transform = tag, .seed = 3});
  std::set<int64_t> sizes;
  for (int k = 0; k < 6; ++k) {
    const Tensor x = d1.get(0).input;
    EXPECT_TRUE(equal(x, d2.get(0).input));
    sizes.insert(x.numel());
  }
  EXPECT_GT(sizes.size(), 1u);  // each read of an index gets a fresh variant
}

TEST(StratifiedSplit, KeepsClassShares) {
  TextCorpus c;
  c.classes = {"a", "b"};
  for (int i = 0; i < 100; ++i) {
    c.texts.push_back(std::to_string(i));
    c.labels.push_back(i < 80 ? 0 : 1);
  }
  const auto [train, test] = stratified_split(c, 0.25, 1);
  EXPECT_EQ(train.size(), 75);
  EXPECT_EQ(test.size(), 25);
  EXPECT_EQ(std::count(test.labels.begin(), test.labels.end(), 1), 5);
  // Disjoint and complete.
  std::vector<std::string> all = train.texts;
  all.insert(all.end(), test.texts.begin(), test.texts.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::unique(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.size(), 100u);
  EXPECT_EQ(stratified_split(c, 0.25, 1).second.texts, test.texts);
  EXPECT_ERROR_CONTAINS(stratified_split(c, 1.0, 1), "stratified_split", "test_fraction");
}

}  // namespace
}  // namespace strata::data::text
