#pragma once
// `strata train` for configs with data.dataset: graph: node classification on a graph (karate club, the
// Debian package graph, or an edge-list / GML / CSV file with no labels for inspection) with a GNN model.
#include <string>

#include "commands.h"

namespace strata::cli {

// True when the config at `path` says data.dataset: graph (a cheap look before the full config is read).
bool is_graph_config(const std::string& path);
// Trains the config's GNN, writes <out>/metrics.csv and <out>/model.safetensors, and prints the selected
// epoch's figures as one JSON line on stdout.
int run_graph_train(const TrainArgs& args);

}  // namespace strata::cli
