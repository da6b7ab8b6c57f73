#pragma once
// Graph file readers. Node names in the files map to ids 0..N-1 in order of first appearance (GML: the
// declared ids in file order). Bad input throws strata::Error naming the file and line.
#include <string>
#include <string_view>

#include "strata/data/graph/graph.h"

namespace strata::data::graph {

struct EdgeListOptions {
  bool undirected = true;  // store both directions (and drop duplicates and self loops)
};

// Whitespace-separated "source target" lines; '#' starts a comment; a third column (a weight) is ignored.
Graph read_edge_list(const std::string& path, const EdgeListOptions& options = {});
Graph parse_edge_list(std::string_view text, const EdgeListOptions& options = {},
                      const std::string& source = "<text>");
// CSV edges with a header naming the columns "source" and "target" (other columns ignored).
Graph read_edge_csv(const std::string& path, const EdgeListOptions& options = {});
Graph parse_edge_csv(std::string_view text, const EdgeListOptions& options = {},
                     const std::string& source = "<text>");
// GML: graph [ directed 0|1 node [ id N label "..." ] edge [ source A target B ] ]. Undirected graphs
// store both directions. Node labels become node_names.
Graph read_gml(const std::string& path);
Graph parse_gml(std::string_view text, const std::string& source = "<text>");

}  // namespace strata::data::graph
