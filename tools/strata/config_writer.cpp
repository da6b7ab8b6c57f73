// The resolved config as YAML: what strata train writes as config.yaml, so that a run can be read back
// and repeated exactly (every field at its value, registry options at their defaults).
#include <set>

#include "config.h"
#include "image_data.h"
#include "strata/nn/loss_registry.h"
#include "strata/optim/registry.h"

namespace strata::cli {

namespace {
// The shortest text that reads back as the same double ("0.005", not "0.0050000000000000001").
std::string num(double v) { return fmt::format("{}", v); }

// A registry entry's options for the resolved config: those written, the others at their defaults
// (options without a default that were not written are left out).
void write_options(const std::vector<nn::ArgSpec>& specs, const nn::ArgMap& given,
                   const std::set<std::string>& skip, YAML::Node& out) {
  for (const auto& spec : specs) {
    if (skip.count(spec.name)) continue;
    auto it = given.find(spec.name);
    if (it == given.end() && !spec.fallback) continue;
    const nn::ArgValue& v = it != given.end() ? it->second : *spec.fallback;
    if (!v.is_list) {
      out[spec.name] = v.str();
      continue;
    }
    YAML::Node list(YAML::NodeType::Sequence);
    for (const auto& item : v.items) list.push_back(item);
    list.SetStyle(YAML::EmitterStyle::Flow);
    out[spec.name] = list;
  }
}

// data.text as read_text_data reads it back (nothing for other datasets).
void write_text_data(const DataConfig& d, YAML::Node& data) {
  const bool lm = d.dataset == "text-lm";
  const bool mt = d.dataset == "translation";
  if (!lm && !mt && d.dataset != "text-folder") return;
  const TextDataConfig& t = d.text;
  YAML::Node text(YAML::NodeType::Map);
  if (!t.corpus.empty()) text["corpus"] = t.corpus;
  if (!t.path.empty()) text["path"] = t.path;
  text["tokenizer"] = t.tokenizer;
  text["lowercase"] = t.lowercase;
  text["min_freq"] = t.min_freq;
  text["max_vocab"] = t.max_vocab;
  text["test_fraction"] = num(t.test_fraction);
  if (t.tokenizer == "bpe") text["vocab_size"] = t.vocab_size;
  if (mt) {
    text["max_length"] = t.max_length;
    text["val_fraction"] = num(t.val_fraction);
    text["bleu_sentences"] = t.bleu_sentences;
  } else if (lm) {
    text["seq_len"] = t.seq_len;
    text["stride"] = t.stride;
  } else {
    text["max_length"] = t.max_length;
    text["max_bytes"] = t.max_bytes;
    if (!t.path.empty()) {
      YAML::Node ext(YAML::NodeType::Sequence);
      for (const auto& e : t.extensions) ext.push_back(e);
      ext.SetStyle(YAML::EmitterStyle::Flow);
      text["extensions"] = ext;
    }
    if (t.masked_lm) {
      text["masked_lm"] = true;
      text["mask_prob"] = num(t.mask_prob);
    }
    if (t.label_fraction < 1) text["label_fraction"] = num(t.label_fraction);
    if (t.split_seed) text["split_seed"] = *t.split_seed;
    if (!t.tokenizer_from.empty()) text["tokenizer_from"] = t.tokenizer_from;
    if (t.augment.enabled) {
      YAML::Node augment(YAML::NodeType::Map);
      augment["synonym_replacement"] = num(t.augment.synonym_replacement);
      augment["random_insertion"] = num(t.augment.random_insertion);
      augment["random_swap"] = num(t.augment.random_swap);
      augment["random_deletion"] = num(t.augment.random_deletion);
      if (t.augment.seed) augment["seed"] = *t.augment.seed;
      text["augment"] = augment;
    }
  }
  data["text"] = text;
}

// data.image as read_image_data reads it back (nothing for other datasets).
void write_image_data(const DataConfig& d, YAML::Node& data) {
  if (d.dataset != "image-folder" && d.dataset != "emoji") return;
  const ImageDataConfig& m = d.image;
  YAML::Node image(YAML::NodeType::Map);
  auto flow = [](const auto& values) {
    YAML::Node list(YAML::NodeType::Sequence);
    for (const auto& v : values) {
      if constexpr (std::is_floating_point_v<std::decay_t<decltype(v)>>) {
        list.push_back(num(v));
      } else {
        list.push_back(v);
      }
    }
    list.SetStyle(YAML::EmitterStyle::Flow);
    return list;
  };
  if (!m.path.empty()) image["path"] = m.path;
  if (!m.size.empty()) image["size"] = flow(m.size);
  image["channels"] = m.channels;
  if (!m.mean.empty()) {
    image["mean"] = flow(m.mean);
    image["std"] = flow(m.std);
  }
  if (m.background) image["background"] = num(*m.background);
  if (!(d.dataset == "image-folder" && has_split_folders(m.path)))
    image["test_fraction"] = num(m.test_fraction);
  image["seed"] = m.seed;
  data["image"] = image;
}

YAML::Node flow_list(const std::vector<std::string>& items) {
  YAML::Node list(YAML::NodeType::Sequence);
  for (const auto& item : items) list.push_back(item);
  list.SetStyle(YAML::EmitterStyle::Flow);
  return list;
}

// One step of data.table.steps in its full form ("dedup" when it has nothing to say).
YAML::Node write_table_step(const TableStepConfig& s) {
  YAML::Node args(YAML::NodeType::Map);
  if (s.kind == "drop_missing") args["axis"] = s.axis;
  if (s.kind == "impute") args["strategy"] = s.method;
  if (s.kind == "outliers") {
    args["method"] = s.method;
    args["action"] = s.action;
  }
  if (s.kind == "encode" || s.kind == "scale") args["kind"] = s.method;
  if (!s.columns.empty()) args["columns"] = flow_list(s.columns);
  if (s.threshold) args["threshold"] = num(*s.threshold);
  if (s.kind == "impute") {
    if (s.method == "constant") {
      args["value"] = num(s.value);
      if (!s.text.empty()) args["text"] = s.text;
    }
    if (s.method == "knn") args["neighbors"] = s.neighbors;
    if (s.indicator) args["indicator"] = true;
  }
  if (args.size() == 0) return YAML::Node(s.kind);
  args.SetStyle(YAML::EmitterStyle::Flow);
  YAML::Node step(YAML::NodeType::Map);
  step[s.kind] = args;
  return step;
}

// data.table as read_table_data reads it back (nothing for other datasets).
void write_table_data(const DataConfig& d, YAML::Node& data) {
  if (d.dataset != "table") return;
  const TableDataConfig& t = d.table;
  YAML::Node table(YAML::NodeType::Map);
  table["path"] = t.path;
  table["target"] = t.target;
  table["task"] = t.task;
  if (!t.drop.empty()) table["drop"] = flow_list(t.drop);
  if (!t.na.empty()) table["na"] = flow_list(t.na);
  if (!t.types.empty()) {
    YAML::Node types(YAML::NodeType::Map);
    for (const auto& [column, type] : t.types) types[column] = type;
    types.SetStyle(YAML::EmitterStyle::Flow);
    table["types"] = types;
  }
  if (!t.steps.empty()) {
    YAML::Node steps(YAML::NodeType::Sequence);
    for (const auto& s : t.steps) steps.push_back(write_table_step(s));
    table["steps"] = steps;
  }
  table["test_fraction"] = num(t.test_fraction);
  table["stratify"] = t.stratify;
  table["seed"] = t.seed;
  data["table"] = table;
}
}  // namespace

std::string to_yaml(const Config& c) {
  YAML::Node out(YAML::NodeType::Map);
  if (!c.name.empty()) out["name"] = c.name;
  YAML::Node data(YAML::NodeType::Map);
  data["dataset"] = c.data.dataset;
  if (!c.data.root.empty()) data["root"] = c.data.root;
  data["batch_size"] = c.data.batch_size;
  data["eval_batch_size"] = c.data.eval_batch_size;
  data["normalize"] = c.data.normalize;
  data["shuffle"] = c.data.shuffle;
  data["num_workers"] = c.data.num_workers;
  data["limit"] = c.data.limit;
  data["test_limit"] = c.data.test_limit;
  data["val_fraction"] = num(c.data.val_fraction);
  if (!c.data.range.empty()) {
    YAML::Node range(YAML::NodeType::Sequence);
    for (double v : c.data.range) range.push_back(num(v));
    range.SetStyle(YAML::EmitterStyle::Flow);
    data["range"] = range;
  }
  write_text_data(c.data, data);
  write_table_data(c.data, data);
  write_image_data(c.data, data);
  if (c.data.augment.IsDefined() && !c.data.augment.IsNull()) data["augment"] = YAML::Clone(c.data.augment);
  if (!c.data.classes.empty()) {
    YAML::Node classes(YAML::NodeType::Sequence);
    for (int64_t label : c.data.classes) classes.push_back(label);
    classes.SetStyle(YAML::EmitterStyle::Flow);
    data["classes"] = classes;
  }
  if (c.data.per_class > 0) data["per_class"] = c.data.per_class;
  out["data"] = data;
  out["model"] = YAML::Clone(c.model.node);

  YAML::Node loss(YAML::NodeType::Map);
  loss["name"] = c.loss.name;
  write_options(nn::loss_type(c.loss.name).options, c.loss.options, {}, loss);
  out["loss"] = loss;

  const OptimizerConfig& o = c.optimizer;
  YAML::Node opt(YAML::NodeType::Map);
  opt["name"] = o.name;
  opt["lr"] = num(o.lr);
  write_options(optim::optimizer_type(o.name).options, o.options, {"lr"}, opt);
  if (!o.param_groups.empty()) {
    YAML::Node groups(YAML::NodeType::Sequence);
    for (const auto& g : o.param_groups) {
      YAML::Node group(YAML::NodeType::Map);
      group["params"] = g.params;
      group["lr"] = num(g.lr);
      group.SetStyle(YAML::EmitterStyle::Flow);
      groups.push_back(group);
    }
    opt["param_groups"] = groups;
  }
  out["optimizer"] = opt;
  if (!c.optimizers.empty()) {
    YAML::Node per_network(YAML::NodeType::Map);
    for (const auto& [network, po] : c.optimizers) {
      YAML::Node n(YAML::NodeType::Map);
      n["name"] = po.name;
      n["lr"] = num(po.lr);
      write_options(optim::optimizer_type(po.name).options, po.options, {"lr"}, n);
      per_network[network] = n;
    }
    out["optimizers"] = per_network;
  }

  const SchedulerConfig& s = c.scheduler;
  YAML::Node sched(YAML::NodeType::Map);
  sched["name"] = s.name.empty() ? "none" : s.name;
  if (!s.name.empty()) {
    const optim::SchedulerType& type = optim::scheduler_type(s.name);
    if (s.name == "onecycle") sched["max_lr"] = num(s.max_lr);
    if (type.needs_metric) sched["monitor"] = s.monitor;
    write_options(type.options, s.options, {"max_lr", "mode"}, sched);
  }
  out["scheduler"] = sched;

  YAML::Node training(YAML::NodeType::Map);
  training["epochs"] = c.training.epochs;
  training["seed"] = c.training.seed;
  training["threads"] = c.training.threads;
  training["monitor"] = c.training.monitor;
  training["autocast"] = c.training.autocast;
  training["clip_grad_norm"] = num(c.training.clip_grad_norm);
  training["clip_grad_value"] = num(c.training.clip_grad_value);
  training["compile"] = c.training.compile;
  if (c.training.early_stopping.enabled) {
    YAML::Node es(YAML::NodeType::Map);
    es["monitor"] = c.training.early_stopping.monitor;
    es["patience"] = c.training.early_stopping.patience;
    es["min_delta"] = num(c.training.early_stopping.min_delta);
    training["early_stopping"] = es;
  }
  out["training"] = training;
  if (!c.distill.teacher_config.empty()) {
    YAML::Node distill(YAML::NodeType::Map);
    distill["teacher_config"] = c.distill.teacher_config;
    distill["teacher_checkpoint"] = c.distill.teacher_checkpoint;
    distill["temperature"] = num(c.distill.temperature);
    distill["alpha"] = num(c.distill.alpha);
    distill["cache_teacher_logits"] = c.distill.cache_teacher_logits;
    out["distill"] = distill;
  }
  if (!c.prune.method.empty()) {
    YAML::Node prune(YAML::NodeType::Map);
    prune["method"] = c.prune.method;
    prune["sparsity"] = num(c.prune.sparsity);
    prune["schedule"] = c.prune.schedule;
    prune["begin_step"] = c.prune.begin_step;
    if (c.prune.schedule == "polynomial") {
      prune["end_step"] = c.prune.end_step;
      prune["frequency"] = c.prune.frequency;
      prune["initial_sparsity"] = num(c.prune.initial_sparsity);
    }
    if (!c.prune.layers.empty()) prune["layers"] = flow_list(c.prune.layers);
    if (c.prune.method == "channels") prune["round_to"] = c.prune.round_to;
    out["prune"] = prune;
  }
  if (!c.init.checkpoint.empty()) {
    YAML::Node init(YAML::NodeType::Map);
    init["checkpoint"] = c.init.checkpoint;
    if (!c.init.skip.empty()) init["skip"] = flow_list(c.init.skip);
    if (!c.init.rename.empty()) {
      YAML::Node rename(YAML::NodeType::Map);
      for (const auto& [from, to] : c.init.rename) rename[from] = to;
      rename.SetStyle(YAML::EmitterStyle::Flow);
      init["rename"] = rename;
    }
    init["strict"] = c.init.strict;
    out["init"] = init;
  }
  if (!c.freeze.patterns.empty()) {
    YAML::Node freeze(YAML::NodeType::Map);
    freeze["patterns"] = flow_list(c.freeze.patterns);
    if (c.freeze.unfreeze_at_epoch > 0) freeze["unfreeze_at_epoch"] = c.freeze.unfreeze_at_epoch;
    out["freeze"] = freeze;
  }
  YAML::Node metrics(YAML::NodeType::Sequence);
  for (const auto& m : c.metrics) metrics.push_back(m);
  metrics.SetStyle(YAML::EmitterStyle::Flow);
  out["metrics"] = metrics;

  YAML::Emitter emitter;
  emitter << out;
  return std::string(emitter.c_str()) + "\n";
}

}  // namespace strata::cli
