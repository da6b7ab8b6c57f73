// The real graphs: Zachary's karate club from python3-networkx, and the Debian package graph from apt's
// lists (LZ4-compressed here; scripts/install-deps runs apt-get update, so CI has them) or plain Packages
// files.
#include "strata/data/graph/datasets.h"

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace strata::data::graph {
namespace {

TEST(GraphDatasets, KarateClub) {
  const Graph g = karate_club();
  g.validate();
  EXPECT_EQ(g.num_nodes(), 34);
  EXPECT_EQ(g.num_edges(), 156);  // 78 friendships, both directions
  const auto y = g.y.to_vector<int64_t>();
  EXPECT_EQ(std::count(y.begin(), y.end(), 0), 17);
  EXPECT_EQ(y[0], 0);   // Mr. Hi
  EXPECT_EQ(y[33], 1);  // the officer
  EXPECT_EQ(y[9], 1);   // networkx's docstring: node 9 is in 'Officer'
  EXPECT_EQ(g.train_mask.to_vector<uint8_t>()[0] + g.train_mask.to_vector<uint8_t>()[33], 2);
  EXPECT_EQ(g.train_mask.sum().item<double>(), 2.0);
  EXPECT_EQ(g.test_mask.sum().item<double>(), 32.0);
}

TEST(GraphDatasets, KarateClubMissingNamesThePackage) {
  EXPECT_ERROR_CONTAINS(karate_club("/nonexistent/social.py"), "python3-networkx", "/nonexistent/social.py");
  const auto path = std::filesystem::temp_directory_path() / "strata_social_test.py";
  std::ofstream(path) << "club1 = {0, 1}\n";
  EXPECT_ERROR_CONTAINS(karate_club(path.string()), "zacharydat", "python3-networkx");
  std::filesystem::remove(path);
}

TEST(GraphDatasets, DebianPackagesFromPlainList) {
  const auto dir = std::filesystem::temp_directory_path() / "strata_debian_lists_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "x_Packages") << "Package: libfoo1\nSection: libs\nDescription: foo shared library\n\n"
                                       "Package: libbar1\nSection: libs\nDepends: libfoo1 (>= 1.0), libc6\n"
                                       "Description: bar shared library\n Long text.\n\n"
                                       "Package: foo-tool\nSection: utils\nDepends: libfoo1 | libbar1:any\n"
                                       "Description: command line tool for foo\n\n"
                                       "Package: bar-tool\nSection: contrib/utils\nRecommends: libbar1\n"
                                       "Description: tool for bar\n\n"
                                       "Package: lonely\nSection: games\nDescription: a game\n";
  const Graph g = debian_packages({.lists_dir = dir.string(),
                                   .vocab_size = 8,
                                   .num_sections = 2,
                                   .train_fraction = 0.5,
                                   .val_fraction = 0.0});
  EXPECT_EQ(g.num_nodes(), 4);  // 'games' is the third section: left out
  EXPECT_EQ(g.class_names, (std::vector<std::string>{"libs", "utils"}));
  EXPECT_EQ(g.node_names, (std::vector<std::string>{"libfoo1", "libbar1", "foo-tool", "bar-tool"}));
  EXPECT_EQ(g.num_edges(), 8);  // libbar1-libfoo1, foo-tool-libfoo1, foo-tool-libbar1, bar-tool-libbar1
  EXPECT_EQ(g.x.shape(), (Shape{4, 8}));
  EXPECT_NEAR(g.x.sum().item<double>(), 4.0, 1e-5);  // rows L1-normalised
  std::ofstream(dir / "y_Packages") << "Package: broken\nno colon here\n";
  EXPECT_ERROR_CONTAINS(debian_packages({.lists_dir = dir.string(), .num_sections = 2}), "y_Packages:2",
                        "Field: value");
  std::filesystem::remove_all(dir);
  EXPECT_ERROR_CONTAINS(debian_packages({.lists_dir = "/nonexistent"}), "/nonexistent", "apt-get update");
}

TEST(GraphDatasets, DebianPackagesFromAptLists) {
  const Graph g = debian_packages();
  g.validate();
  EXPECT_EQ(g.num_classes(), 10);
  EXPECT_GT(g.num_nodes(), 10000);
  EXPECT_GT(g.num_edges(), 2 * g.num_nodes());
  EXPECT_EQ(g.class_names[0], "libs");
}

}  // namespace
}  // namespace strata::data::graph
