// Graph readers: edge lists, CSV edges and GML, and their errors naming file and line.
#include "strata/data/graph/readers.h"

#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace strata::data::graph {
namespace {

TEST(GraphReaders, EdgeList) {
  const Graph g = parse_edge_list("# a comment\na b\nb c 2.5\n\nc a\n");
  EXPECT_EQ(g.node_names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(g.num_edges(), 6);  // both directions
  const Graph d = parse_edge_list("a b\nb c\n", {.undirected = false});
  EXPECT_EQ(d.edge_index.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1, 2}));
  EXPECT_ERROR_CONTAINS(parse_edge_list("a b\na b c d\n", {}, "edges.txt"), "edges.txt:2", "4 fields");
  EXPECT_ERROR_CONTAINS(parse_edge_list("# nothing\n", {}, "edges.txt"), "edges.txt", "no edges");
  EXPECT_ERROR_CONTAINS(read_edge_list("/nonexistent/edges.txt"), "/nonexistent/edges.txt");
}

TEST(GraphReaders, EdgeCsv) {
  const Graph g = parse_edge_csv("weight,source,target\n1,x,y\n2,\"y\",z\n", {.undirected = false});
  EXPECT_EQ(g.node_names, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(g.edge_index.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1, 2}));
  EXPECT_ERROR_CONTAINS(parse_edge_csv("from,to\na,b\n", {}, "e.csv"), "e.csv:1", "'source' and 'target'");
  EXPECT_ERROR_CONTAINS(parse_edge_csv("source,target\na,b\nc\n", {}, "e.csv"), "e.csv:3", "1 fields");
  EXPECT_ERROR_CONTAINS(parse_edge_csv("source,target\na,\n", {}, "e.csv"), "e.csv:2", "empty");
}

TEST(GraphReaders, Gml) {
  const std::string text = R"(graph [
  directed 0
  node [ id 10 label "ten" graphics [ x 1 y 2 ] ]
  node [ id 20 label "twenty" ]
  node [ id 30 ]
  edge [ source 10 target 20 ]
  edge [ source 20 target 30 value 2 ]
])";
  const Graph g = parse_gml(text, "k.gml");
  EXPECT_EQ(g.node_names, (std::vector<std::string>{"ten", "twenty", "30"}));
  EXPECT_EQ(g.num_edges(), 4);
  EXPECT_ERROR_CONTAINS(parse_gml("graph [\n node [ id 1 ]\n edge [ source 1 target 9 ]\n]", "k.gml"),
                        "k.gml:3", "9", "not a declared node");
  EXPECT_ERROR_CONTAINS(parse_gml("graph [\n node [ id x ]\n]", "k.gml"), "k.gml:2", "'id'", "integer");
  EXPECT_ERROR_CONTAINS(parse_gml("graph [\n node [ id 1 ]\n", "k.gml"), "k.gml", "unexpected end");
  EXPECT_ERROR_CONTAINS(parse_gml("digraph [ ]", "k.gml"), "k.gml:1", "expected 'graph'");
  EXPECT_ERROR_CONTAINS(parse_gml("graph [\n node [ id 1 label \"open ]\n]", "k.gml"), "k.gml:2",
                        "unterminated");
}

TEST(GraphReaders, ReadsFiles) {
  const auto dir = std::filesystem::temp_directory_path() / "strata_graph_readers_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "g.gml")
      << "graph [ directed 1 node [ id 0 ] node [ id 1 ] edge [ source 0 target 1 ] ]";
  std::ofstream(dir / "g.csv") << "source,target\n0,1\n";
  std::ofstream(dir / "g.txt") << "0 1\n";
  EXPECT_EQ(read_gml((dir / "g.gml").string()).num_edges(), 1);
  EXPECT_EQ(read_edge_csv((dir / "g.csv").string()).num_edges(), 2);
  EXPECT_EQ(read_edge_list((dir / "g.txt").string()).num_edges(), 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace strata::data::graph
