#pragma once
// Real graphs read from Debian packages at run time (nothing is downloaded).
#include <string>

#include "strata/data/graph/graph.h"

namespace strata::data::graph {

// Where python3-networkx keeps Zachary's karate club (the adjacency text and the 'club' factions).
inline constexpr const char* kNetworkxSocial = "/usr/lib/python3/dist-packages/networkx/generators/social.py";

// Zachary's karate club: 34 members, 78 friendships (both directions stored), y = faction (0: Mr. Hi,
// 1: Officer), x = one-hot node ids. Semi-supervised split: train = one member per faction (the two
// leaders, 0 and 33), test = everyone else, no validation nodes. Parsed from `path` at run time; throws
// naming python3-networkx when the file is missing or its layout changed.
Graph karate_club(const std::string& path = kNetworkxSocial);

struct DebianPackagesOptions {
  std::string lists_dir = "/var/lib/apt/lists";  // reads every *_Packages and *_Packages.lz4 there
  int64_t vocab_size = 256;                      // features: top-k description words (document frequency)
  int64_t num_sections = 10;                     // keep packages of the largest sections
  double train_fraction = 0.6;                   // stratified by section
  double val_fraction = 0.2;
  uint64_t seed = 0;
  bool recommends = true;  // Recommends edges besides Depends (and Pre-Depends)
};

// The Debian package graph: nodes = packages of the num_sections largest sections, edges = dependencies
// between them (undirected), x = bag of words of the short description over the top vocab_size words
// (binary, rows L1-normalised), y = section (class_names in order of size), stratified masks.
Graph debian_packages(const DebianPackagesOptions& options = {});

}  // namespace strata::data::graph
