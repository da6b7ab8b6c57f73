#include "rl_config.h"

#include <filesystem>

#include "field_reader.h"
#include "strata/rl/env.h"

namespace strata::cli {
namespace {

class RlReader : public FieldReader {
 public:
  using FieldReader::FieldReader;

  RlConfig read_config() const {
    RlConfig c;
    c.path = path_;
    YAML::Node doc = load_document();
    check_keys(doc, "", {"name", "env", "algorithm", "policy", "train", "eval"});
    if (doc["name"].IsDefined() && !doc["name"].IsNull()) c.name = as<std::string>(doc["name"], "name");
    read_env(doc["env"], c);
    read_policy(doc["policy"], c);
    read_train(doc["train"], c);
    read_eval(doc["eval"], c);
    read_algorithm(doc["algorithm"], c);
    return c;
  }

 private:
  // The node of `key` in `node` for messages (the section itself when the key is absent).
  static YAML::Node at(const YAML::Node& node, const char* key) {
    return node.IsMap() && node[key].IsDefined() ? node[key] : node;
  }

  void read_env(const YAML::Node& node, RlConfig& c) const {
    check_section(node, "env", true);
    check_keys(node, "env", {"id", "num_envs"});
    if (node.IsScalar()) {
      c.env_id = as<std::string>(node, "env");
    } else {
      read(node, "env", "id", c.env_id);
    }
    const std::vector<std::string> ids = rl::env_ids();
    if (std::find(ids.begin(), ids.end(), c.env_id) == ids.end()) {
      fail(node.IsMap() ? at(node, "id") : node, "env.id",
           fmt::format("unknown environment '{}'{} (known: {})", c.env_id, did_you_mean(c.env_id, ids),
                       join(ids)));
    }
    read(node, "env", "num_envs", c.num_envs);
    if (c.num_envs <= 0 || c.num_envs > 1024) {
      fail(at(node, "num_envs"), "env.num_envs",
           fmt::format("field 'env.num_envs' must be in [1, 1024], got {}", c.num_envs));
    }
  }

  void read_policy(const YAML::Node& node, RlConfig& c) const {
    check_section(node, "policy", false);
    check_keys(node, "policy", {"hidden", "activation"});
    read_list(node, "policy", "hidden", c.policy.hidden);
    for (int64_t h : c.policy.hidden) {
      if (h <= 0)
        fail(at(node, "hidden"), "policy.hidden",
             fmt::format("field 'policy.hidden' must hold positive sizes, got {}", h));
    }
    read(node, "policy", "activation", c.policy.activation);
    if (c.policy.activation != "tanh" && c.policy.activation != "relu") {
      fail(at(node, "activation"), "policy.activation",
           fmt::format("field 'policy.activation' must be tanh or relu, got '{}'", c.policy.activation));
    }
  }

  void read_train(const YAML::Node& node, RlConfig& c) const {
    check_section(node, "train", false);
    check_keys(node, "train", {"total_steps", "seed", "threads", "checkpoint_every"});
    read(node, "train", "total_steps", c.total_steps);
    if (c.total_steps <= 0) {
      fail(at(node, "total_steps"), "train.total_steps",
           fmt::format("field 'train.total_steps' must be positive, got {}", c.total_steps));
    }
    read(node, "train", "seed", c.seed);
    read(node, "train", "threads", c.threads);
    if (c.threads < 0)
      fail(at(node, "threads"), "train.threads", "field 'train.threads' must be >= 0 (0: as is)");
    read(node, "train", "checkpoint_every", c.checkpoint_every);
    if (c.checkpoint_every < 0) {
      fail(at(node, "checkpoint_every"), "train.checkpoint_every",
           "field 'train.checkpoint_every' must be >= 0 (0: only at the end)");
    }
  }

  void read_eval(const YAML::Node& node, RlConfig& c) const {
    check_section(node, "eval", false);
    check_keys(node, "eval", {"episodes", "seed", "deterministic"});
    read(node, "eval", "episodes", c.eval_episodes);
    if (c.eval_episodes <= 0) {
      fail(at(node, "episodes"), "eval.episodes",
           fmt::format("field 'eval.episodes' must be positive, got {}", c.eval_episodes));
    }
    read(node, "eval", "seed", c.eval_seed);
    read(node, "eval", "deterministic", c.eval_deterministic);
  }

  // algorithm: a name or {name, hyperparameters...}; each hyperparameter is checked against the
  // registry by building the agent for the environment's spaces.
  void read_algorithm(const YAML::Node& node, RlConfig& c) const {
    check_section(node, "algorithm", true);
    std::set<std::string> names;
    for (const auto& t : rl::algorithm_types()) names.insert(t.name);
    c.algorithm = name_of(node, "algorithm", c.algorithm, names);
    const rl::AlgorithmType& type = rl::algorithm_type(c.algorithm);
    std::set<std::string> fields;
    for (const auto& spec : type.options) fields.insert(spec.name);
    if (node.IsMap()) {
      for (const auto& kv : node) {
        const std::string key = kv.first.Scalar();
        if (key == "name" || fields.count(key)) continue;
        const std::vector<std::string> known(fields.begin(), fields.end());
        fail(kv.first, "algorithm." + key,
             fmt::format("unknown field 'algorithm.{}' for algorithm '{}'{} (its fields: {})", key,
                         c.algorithm, did_you_mean(key, known), join(known)));
      }
    }
    const nn::ArgMap written = read_options(node, "algorithm", type.options, {});
    const std::unique_ptr<rl::Env> env = rl::make_env(c.env_id);
    const rl::AgentContext context{.observation_space = env->observation_space(),
                                   .action_space = env->action_space(),
                                   .num_envs = c.num_envs,
                                   .policy = c.policy,
                                   .seed = c.seed};
    check_options(node, "algorithm", written, [&] { rl::make_agent(c.algorithm, context, written); });
    c.options = written;
    for (const auto& spec : type.options) {
      if (!c.options.count(spec.name) && spec.fallback) c.options[spec.name] = *spec.fallback;
    }
  }
};

}  // namespace

RlConfig load_rl_config(const std::string& path, const std::vector<Override>& overrides) {
  RlConfig c = RlReader(path, overrides).read_config();
  if (c.name.empty()) c.name = std::filesystem::path(path).stem().string();
  return c;
}

std::string rl_config_yaml(const RlConfig& c) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << c.name;
  out << YAML::Key << "env" << YAML::Value << YAML::BeginMap << YAML::Key << "id" << YAML::Value << c.env_id
      << YAML::Key << "num_envs" << YAML::Value << c.num_envs << YAML::EndMap;
  out << YAML::Key << "algorithm" << YAML::Value << YAML::BeginMap << YAML::Key << "name" << YAML::Value
      << c.algorithm;
  for (const auto& spec : rl::algorithm_type(c.algorithm).options) {
    auto it = c.options.find(spec.name);
    if (it == c.options.end()) continue;
    out << YAML::Key << spec.name << YAML::Value;
    if (it->second.is_list) {
      out << YAML::Flow << YAML::BeginSeq;
      for (const auto& item : it->second.items) out << item;
      out << YAML::EndSeq;
    } else {
      out << it->second.items.at(0);
    }
  }
  out << YAML::EndMap;
  out << YAML::Key << "policy" << YAML::Value << YAML::BeginMap << YAML::Key << "hidden" << YAML::Value
      << YAML::Flow << c.policy.hidden << YAML::Key << "activation" << YAML::Value << c.policy.activation
      << YAML::EndMap;
  out << YAML::Key << "train" << YAML::Value << YAML::BeginMap << YAML::Key << "total_steps" << YAML::Value
      << c.total_steps << YAML::Key << "seed" << YAML::Value << c.seed << YAML::Key << "threads"
      << YAML::Value << c.threads << YAML::Key << "checkpoint_every" << YAML::Value << c.checkpoint_every
      << YAML::EndMap;
  out << YAML::Key << "eval" << YAML::Value << YAML::BeginMap << YAML::Key << "episodes" << YAML::Value
      << c.eval_episodes << YAML::Key << "seed" << YAML::Value << c.eval_seed << YAML::Key << "deterministic"
      << YAML::Value << c.eval_deterministic << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace strata::cli
