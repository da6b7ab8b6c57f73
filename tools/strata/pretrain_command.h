#pragma once
// `strata pretrain`: self-supervised pre-training of the config's model (the encoder) from its `pretrain:`
// section (docs/self_supervised.md):
//   method: simclr  two augmented views per training image, a projection head and the NT-Xent loss; then
//                   linear probes of the frozen encoder with a share of the labels (and, optionally, the same
//                   encoder trained supervised from scratch on the same labels, for comparison)
//   method: clip    the emoji images and their names and keywords: an image encoder (the config's model) and
//                   a bag-of-tokens text encoder with the symmetric CLIP loss; whole emoji are held out, and
//                   zero-shot classification into their categories and text-to-image recall@5 are reported
// Writes <out>/encoder.safetensors (the encoder's state dict, which `init:` of a training config loads),
// pretrain_log.csv, curves.png and results.json, and prints the results as one JSON line.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace strata::cli {

struct PretrainArgs {
  std::string config;
  std::string out;  // default runs/<config name>
  std::vector<std::string> set;
  std::optional<int> threads;
  std::optional<int> epochs;
  std::optional<uint64_t> seed;
};

// Adds the `pretrain` subcommand and its options to app; returns it (test `*cmd` after parsing).
CLI::App* add_pretrain_command(CLI::App& app, PretrainArgs& args);

// Pre-trains, evaluates and prints the results as one line of JSON on stdout; returns the exit code.
int run_pretrain(const PretrainArgs& args);

}  // namespace strata::cli
