// The `strata` command line. Subcommands (train, eval, predict, tune, export, data, bench) arrive with
// the layers they drive; this entry point already parses, reports versions and rejects bad arguments.
#include <CLI/CLI.hpp>
#include <iostream>

#include "strata/strata.h"

int main(int argc, char** argv) {
  CLI::App app{"strata: train, evaluate and ship neural networks natively in C++"};
  app.set_version_flag("--version", std::string("strata ") + strata::kVersion);
  app.require_subcommand(0);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (argc == 1) std::cout << app.help();
  return 0;
}
