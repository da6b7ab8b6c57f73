#include "fed_command.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "fed_config.h"
#include "model_builder.h"
#include "strata/core/factory.h"
#include "strata/core/threading.h"
#include "strata/dist/collectives.h"
#include "strata/dist/federated_clients.h"
#include "strata/dist/process_group.h"
#include "strata/fed.h"
#include "strata/io/safetensors.h"
#include "strata/ops/indexing.h"
#include "strata/optim/registry.h"
#include "strata/train/plot.h"
#include "strata/train/progress.h"
#include "training_data.h"
#include "validators.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;

FedConfig load(const FederateArgs& args) {
  std::vector<Override> overrides = cli_overrides(args.set, args.threads);
  if (args.seed)
    overrides.push_back({"training.seed", std::to_string(*args.seed), fmt::format("--seed {}", *args.seed)});
  if (args.rounds)
    overrides.push_back(
        {"federated.rounds", std::to_string(*args.rounds), fmt::format("--rounds {}", *args.rounds)});
  FedConfig c = load_fed_config(args.config, overrides);
  if (c.base.training.threads > 0) set_num_threads(c.base.training.threads);
  manual_seed(c.base.training.seed);
  return c;
}

// A dataset's examples as two tensors (inputs stacked, targets stacked), read in chunks.
std::pair<Tensor, Tensor> to_tensors(const data::Dataset& d) {
  std::vector<Tensor> xs, ys;
  constexpr int64_t kChunk = 4096;
  for (int64_t start = 0; start < d.size(); start += kChunk) {
    std::vector<Tensor> x, y;
    for (int64_t i = start; i < std::min(d.size(), start + kChunk); ++i) {
      data::Example e = d.get(i);
      x.push_back(e.input);
      y.push_back(e.target);
    }
    xs.push_back(ops::stack(x, 0));
    ys.push_back(ops::stack(y, 0));
  }
  return {ops::cat(xs, 0).contiguous(), ops::cat(ys, 0).contiguous()};
}

std::string number(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : "null"; }

}  // namespace

CLI::App* add_federate_command(CLI::App& app, FederateArgs& args) {
  CLI::App* cmd = app.add_subcommand(
      "federate", "Train a model by federated learning (FedAvg, FedProx; DP-SGD, secure aggregation)");
  cmd->add_option("-c,--config", args.config,
                  "YAML config with a `federated` section (see docs/federated.md)")
      ->type_name("FILE")
      ->required()
      ->check(existing_file("config file"));
  cmd->add_option("--set", args.set, "Change a config field, e.g. --set federated.alpha=0.1 (repeatable)")
      ->type_name("KEY=VALUE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--out", args.out, "Run folder (default runs/<config name>)")->type_name("DIR");
  cmd->add_option("--seed", args.seed, "Override training.seed")
      ->type_name("S")
      ->check(number_check(true, true));
  cmd->add_option("--rounds", args.rounds, "Override federated.rounds")
      ->type_name("N")
      ->check(number_check(false, true));
  cmd->add_option("--threads", args.threads, "CPU threads (overrides training.threads)")
      ->type_name("N")
      ->check(number_check(false, true));
  cmd->add_flag("--no-progress", args.no_progress, "Do not draw the progress bar");
  cmd->footer(
      "Writes DIR/metrics.csv (per round), DIR/curves.png, DIR/global.safetensors (the global model, "
      "written\n"
      "atomically after every evaluation) and DIR/config.yaml, and prints the final test metrics as one JSON "
      "line.");
  return cmd;
}

int run_federate(const FederateArgs& args) {
  // Under mpirun every rank runs this: each trains its own group of clients (dist::FederatedClients) and rank
  // 0 alone evaluates, writes the run folder and prints.
  if (std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr) dist::init();
  const bool distributed = dist::world_size() > 1, lead = dist::rank() == 0;
  const FedConfig c = load(args);
  const std::string name = c.base.name.empty() ? fs::path(args.config).stem().string() : c.base.name;
  const std::string out = args.out.empty() ? "runs/" + name : args.out;
  if (lead) {
    fs::create_directories(out);
    fs::copy_file(args.config, out + "/config.yaml", fs::copy_options::overwrite_existing);
  }

  const TrainingData data = load_training_data(c.base);
  STRATA_CHECK(data.train && data.test, "{}: strata federate needs a training and a test split", args.config);
  const auto [train_x, train_y] = to_tensors(*data.train);
  const auto [test_x, test_y] = to_tensors(*data.test);
  STRATA_CHECK(train_y.dtype() == kInt64 && train_y.dim() == 1,
               "{}: strata federate trains classifiers (integer class targets), got targets {}", args.config,
               train_y.shape().str());

  fed::Partition parts;
  if (c.partition == "iid") {
    parts = fed::partition_iid(train_x.size(0), c.clients, c.base.training.seed);
  } else if (c.partition == "dirichlet") {
    parts = fed::partition_dirichlet(train_y, c.clients, c.alpha, c.base.training.seed, c.min_size);
  } else {
    parts = fed::partition_shards(train_y, c.clients, c.shards_per_client, c.base.training.seed);
  }

  std::shared_ptr<nn::Module> global = build_model(c.base, data);
  std::shared_ptr<nn::Module> worker = build_model(c.base, data);  // the clients train one after another
  const OptimizerConfig& oc = c.base.optimizer;
  nn::ArgMap options = oc.options;
  options["lr"] = nn::ArgValue(fmt::format("{}", oc.lr));
  const fed::OptimizerFactory make_optimizer = [name = oc.name, options](std::vector<Tensor> params) {
    return optim::create_optimizer(name, {{.params = std::move(params)}}, options);
  };
  std::vector<fed::Client> clients;
  for (int64_t k = 0; k < c.clients; ++k) {
    if (distributed && !dist::FederatedClients::owns(k)) continue;
    const Tensor index = from_vector(parts[k], {static_cast<int64_t>(parts[k].size())});
    clients.emplace_back(k, worker, ops::index_select(train_x, 0, index),
                         ops::index_select(train_y, 0, index), make_optimizer);
  }
  std::unique_ptr<fed::ClientExecutor> executor;
  if (distributed) {
    executor = std::make_unique<dist::FederatedClients>(std::move(clients), c.clients);
  } else {
    executor = std::make_unique<fed::SimulatedClients>(std::move(clients));
  }
  fed::Server server(global, c.options);

  std::ofstream metrics;
  if (lead) metrics.open(out + "/metrics.csv");
  metrics
      << "round,sampled,reporting,samples,train_loss,test_loss,test_accuracy,update_norm,epsilon,seconds\n";
  std::vector<double> xs_train_loss, xs_test_loss, xs_acc, xs_eps;
  train::ProgressBar bar(fmt::format("{} {} K={}", c.algorithm, c.partition, c.clients), c.rounds);
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  fed::Evaluation last{};
  int64_t samples = 0;
  for (int64_t round = 1; round <= c.rounds; ++round) {
    const fed::RoundResult r = server.run_round(round, *executor);
    samples += r.num_samples;
    if (!lead) continue;
    const bool eval = round % c.eval_every == 0 || round == c.rounds;
    if (eval) {
      last = server.evaluate(test_x, test_y);
      io::save_safetensors(
          out + "/global.safetensors", global->state_dict(),
          {{"round", std::to_string(round)}, {"config", fs::path(args.config).filename().string()}});
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double eps = r.epsilon.value_or(NAN);
    metrics << fmt::format("{},{},{},{},{},{},{},{},{},{:.3f}\n", round, r.plan.sampled.size(),
                           r.plan.reporting.size(), r.num_samples, number(r.train_loss),
                           eval ? number(last.loss) : "", eval ? number(last.accuracy) : "",
                           number(r.update_norm), r.epsilon ? number(eps) : "", seconds);
    metrics.flush();
    xs_train_loss.push_back(r.train_loss);
    xs_test_loss.push_back(last.loss);
    xs_acc.push_back(last.accuracy);
    if (r.epsilon) xs_eps.push_back(eps);
    if (!args.no_progress) {
      bar.update(round,
                 fmt::format("loss {:.4f} acc {:.4f}{}", r.train_loss, last.accuracy,
                             r.epsilon ? fmt::format(" eps {:.2f}", eps) : ""),
                 samples);
    }
  }
  if (!lead) {
    // Wait for rank 0 to write the run folder (it joins this barrier once done): a rank that left early
    // would read as a dead peer.
    dist::barrier();
    dist::finalize();
    return 0;
  }
  if (!args.no_progress) bar.finish(fmt::format("acc {:.4f}", last.accuracy));
  std::vector<std::pair<std::string, std::vector<train::Series>>> panels = {
      {"loss", {{"train (clients)", xs_train_loss}, {"test", xs_test_loss}}},
      {"test accuracy", {{"accuracy", xs_acc}}}};
  if (!xs_eps.empty())
    panels.push_back({"epsilon (delta " + number(c.options.delta) + ")", {{"epsilon", xs_eps}}});
  train::plot_line_panels(out + "/curves.png", panels, 480, 360, "round");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::cout
      << fmt::format(
             R"({{"rounds": {}, "clients": {}, "partition": "{}", "algorithm": "{}", "test_loss": {}, "test_accuracy": {}, "epsilon": {}, "seconds": {:.2f}, "cpu_seconds": {:.2f}}})",
             c.rounds, c.clients, c.partition, c.algorithm, number(last.loss), number(last.accuracy),
             xs_eps.empty() ? "null" : number(xs_eps.back()), seconds, cpu_seconds)
      << std::endl;
  // Every rank that initialised MPI must finalise it, rank 0 included, or mpirun reports the job as failed.
  if (distributed) dist::barrier();
  dist::finalize();
  return 0;
}

}  // namespace strata::cli
