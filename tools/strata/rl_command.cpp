#include "rl_command.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>

#include "config.h"
#include "rl_config.h"
#include "strata/core/threading.h"
#include "strata/io/safetensors.h"
#include "strata/rl/agent.h"
#include "strata/rl/registry.h"
#include "strata/train/plot.h"
#include "strata/train/progress.h"
#include "validators.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;

constexpr size_t kWindow = 100;  // episodes in the rolling mean return, as SB3's ep_rew_mean

RlConfig load(const RlArgs& args) {
  std::vector<Override> overrides = cli_overrides(args.set);
  if (args.seed)
    overrides.push_back({"train.seed", std::to_string(*args.seed), fmt::format("--seed {}", *args.seed)});
  if (args.steps) {
    overrides.push_back(
        {"train.total_steps", std::to_string(*args.steps), fmt::format("--steps {}", *args.steps)});
  }
  if (args.threads) {
    overrides.push_back(
        {"train.threads", std::to_string(*args.threads), fmt::format("--threads {}", *args.threads)});
  }
  if (args.episodes) {
    overrides.push_back(
        {"eval.episodes", std::to_string(*args.episodes), fmt::format("--episodes {}", *args.episodes)});
  }
  RlConfig c = load_rl_config(args.config, overrides);
  if (c.threads > 0) set_num_threads(c.threads);
  return c;
}

std::unique_ptr<rl::Agent> build_agent(const RlConfig& c) {
  const std::unique_ptr<rl::Env> env = rl::make_env(c.env_id);
  return rl::make_agent(c.algorithm,
                        {.observation_space = env->observation_space(),
                         .action_space = env->action_space(),
                         .num_envs = c.num_envs,
                         .policy = c.policy,
                         .seed = c.seed},
                        c.options);
}

std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{:.6g}", v);
}

// {"episodes": n, "mean_return": ..., "std_return": ..., "min_return": ..., "max_return": ...}
std::string returns_json(const std::vector<double>& returns) {
  const double n = static_cast<double>(returns.size());
  const double mean = std::accumulate(returns.begin(), returns.end(), 0.0) / n;
  double var = 0;
  for (double r : returns) var += (r - mean) * (r - mean);
  return fmt::format(
      R"("episodes": {}, "mean_return": {}, "std_return": {}, "min_return": {}, "max_return": {})",
      returns.size(), number(mean), number(std::sqrt(var / n)),
      number(*std::min_element(returns.begin(), returns.end())),
      number(*std::max_element(returns.begin(), returns.end())));
}

void save_checkpoint(const rl::Agent& agent, const RlConfig& c, int64_t steps, const std::string& path) {
  io::save_safetensors(path, agent.state_dict(),
                       {{"algorithm", c.algorithm}, {"env", c.env_id}, {"steps", std::to_string(steps)}});
}

int run_eval(const RlArgs& args) {
  STRATA_CHECK(!args.checkpoint.empty(), "strata rl --eval needs --checkpoint FILE");
  const RlConfig c = load(args);
  std::unique_ptr<rl::Agent> agent = build_agent(c);
  const auto state = io::load_safetensors(args.checkpoint);
  try {
    agent->load_state_dict(state);
  } catch (const Error& e) {
    throw Error(fmt::format("checkpoint {} does not fit the {} policy of {}: {}", args.checkpoint,
                            c.algorithm, c.path, e.what()));
  }
  const auto start = std::chrono::steady_clock::now();
  const std::vector<double> returns =
      rl::evaluate(*agent, c.env_id, c.eval_episodes, c.eval_seed, c.eval_deterministic);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format(R"({{"env": "{}", "algorithm": "{}", {}, "seconds": {:.2f}}})", c.env_id,
                           c.algorithm, returns_json(returns), seconds)
            << std::endl;
  return 0;
}

int run_train(const RlArgs& args) {
  const RlConfig c = load(args);
  const std::string out = args.out.empty() ? "runs/" + c.name : args.out;
  std::error_code error;
  fs::create_directories(out, error);
  STRATA_CHECK(!error, "cannot create the run folder {}: {}", out, error.message());
  {
    std::ofstream config_out(out + "/config.yaml");
    config_out << rl_config_yaml(c);
    STRATA_CHECK(config_out.good(), "cannot write {}/config.yaml", out);
  }
  std::unique_ptr<rl::Agent> agent = build_agent(c);
  rl::VectorEnv env(c.env_id, c.num_envs, c.seed);
  std::cerr << fmt::format("strata rl: {} on {} x {} for {} steps (seed {}) -> {}\n", c.algorithm, c.env_id,
                           c.num_envs, c.total_steps, c.seed, out);

  std::ofstream metrics(out + "/metrics.csv"), episodes(out + "/episodes.csv");
  STRATA_CHECK(metrics.good() && episodes.good(), "cannot write the metrics files in {}", out);
  episodes << "step,episode,return,length,rolling_mean_return\n";
  std::vector<std::string> loss_names;
  std::deque<double> window;
  int64_t episode_count = 0, next_checkpoint = c.checkpoint_every;
  std::vector<double> rolling_curve;
  std::map<std::string, std::vector<double>> loss_curves;
  train::ProgressBar bar(fmt::format("{} {}", c.algorithm, c.env_id), c.total_steps);
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();  // processor time of every thread: one core's time at 1 thread
  auto rolling_mean = [&] {
    return window.empty()
               ? std::nan("")
               : std::accumulate(window.begin(), window.end(), 0.0) / static_cast<double>(window.size());
  };
  agent->learn(env, c.total_steps, [&](const rl::LearnProgress& p) {
    for (size_t i = 0; i < p.episode_returns.size(); ++i) {
      window.push_back(p.episode_returns[i]);
      if (window.size() > kWindow) window.pop_front();
      episodes << fmt::format("{},{},{},{},{}\n", p.steps, ++episode_count, number(p.episode_returns[i]),
                              p.episode_lengths[i], number(rolling_mean()));
    }
    if (loss_names.empty()) {
      for (const auto& [k, v] : p.losses) loss_names.push_back(k);
      metrics << "update,step,episodes,rolling_mean_return,seconds";
      for (const auto& k : loss_names) metrics << "," << k;
      metrics << "\n";
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics << fmt::format("{},{},{},{},{:.3f}", p.updates, p.steps, episode_count, number(rolling_mean()),
                           seconds);
    for (const auto& k : loss_names) {
      auto it = p.losses.find(k);
      const double v = it == p.losses.end() ? std::nan("") : it->second;
      metrics << "," << number(v);
      loss_curves[k].push_back(v);
    }
    metrics << "\n";
    rolling_curve.push_back(window.empty() ? 0.0 : rolling_mean());
    if (c.checkpoint_every > 0 && p.steps >= next_checkpoint) {
      save_checkpoint(*agent, c, p.steps, out + "/checkpoint.safetensors");
      next_checkpoint += c.checkpoint_every;
    }
    if (!args.no_progress) {
      bar.update(
          std::min(p.steps, c.total_steps),
          fmt::format("episodes {} return {:.1f} (last {})", episode_count, rolling_mean(), window.size()),
          p.steps);
    }
  });
  const double train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double train_cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  if (!args.no_progress) bar.finish(fmt::format("episodes {} return {:.1f}", episode_count, rolling_mean()));
  metrics.close();
  episodes.close();
  save_checkpoint(*agent, c, c.total_steps, out + "/checkpoint.safetensors");
  std::vector<std::pair<std::string, std::vector<train::Series>>> panels = {
      {fmt::format("{} {}", c.algorithm, c.env_id),
       {{fmt::format("mean return, last {} episodes", kWindow), rolling_curve}}}};
  std::vector<train::Series> losses;
  for (const auto& k : {"policy_loss", "value_loss", "entropy"}) {
    if (loss_curves.count(k)) losses.push_back({k, loss_curves.at(k)});
  }
  if (!losses.empty()) panels.push_back({"losses", losses});
  const int64_t steps_per_update =
      rolling_curve.empty() ? 0 : c.total_steps / static_cast<int64_t>(rolling_curve.size());
  train::plot_line_panels(out + "/curves.png", panels, 480, 360,
                          fmt::format("update (~{} steps each)", steps_per_update));

  const std::vector<double> returns =
      rl::evaluate(*agent, c.env_id, c.eval_episodes, c.eval_seed, c.eval_deterministic);
  std::cout
      << fmt::format(
             R"({{"env": "{}", "algorithm": "{}", "steps": {}, "seed": {}, "train_seconds": {:.2f}, "train_cpu_seconds": {:.2f}, )"
             R"("train_rolling_mean_return": {}, {}}})",
             c.env_id, c.algorithm, c.total_steps, c.seed, train_seconds, train_cpu_seconds,
             number(rolling_mean()), returns_json(returns))
      << std::endl;
  return 0;
}

}  // namespace

CLI::App* add_rl_command(CLI::App& app, RlArgs& args) {
  CLI::App* cmd = app.add_subcommand("rl", "Train a reinforcement-learning agent (or --eval a saved policy)");
  cmd->add_option("-c,--config", args.config, "YAML config (see docs/rl.md)")
      ->type_name("FILE")
      ->required()
      ->check(existing_file("config file"));
  cmd->add_option("--set", args.set,
                  "Change a config field, e.g. --set algorithm.learning_rate=0.001 (repeatable)")
      ->type_name("KEY=VALUE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--out", args.out, "Run folder (default runs/<config name>)")->type_name("DIR");
  cmd->add_option("--seed", args.seed, "Override train.seed")
      ->type_name("S")
      ->check(number_check(true, true));
  cmd->add_option("--steps", args.steps, "Override train.total_steps")
      ->type_name("N")
      ->check(number_check(false, true));
  cmd->add_option("--threads", args.threads, "CPU threads (overrides train.threads)")
      ->type_name("N")
      ->check(number_check(false, true));
  cmd->add_flag("--eval", args.eval,
                "Play the policy of --checkpoint and print its returns as one JSON line");
  cmd->add_option("--checkpoint", args.checkpoint, "--eval: the policy (a run's checkpoint.safetensors)")
      ->type_name("FILE")
      ->check(existing_file("checkpoint"));
  cmd->add_option("--episodes", args.episodes, "--eval: episodes to play (overrides eval.episodes)")
      ->type_name("N")
      ->check(number_check(false, true));
  cmd->add_flag("--no-progress", args.no_progress, "Do not draw the progress bar");
  cmd->footer(
      "Training writes DIR/config.yaml, DIR/metrics.csv (per update), DIR/episodes.csv (per episode),\n"
      "DIR/curves.png and DIR/checkpoint.safetensors, and prints the final evaluation as one JSON line.");
  return cmd;
}

int run_rl(const RlArgs& args) {
  if (args.eval) return run_eval(args);
  STRATA_CHECK(
      args.checkpoint.empty() && !args.episodes,
      "strata rl: --checkpoint and --episodes go with --eval (training writes DIR/checkpoint.safetensors)");
  return run_train(args);
}

}  // namespace strata::cli
