#include "graph_data.h"

#include <filesystem>
#include <fstream>

#include "field_reader.h"
#include "strata/core/generator.h"
#include "strata/core/threading.h"
#include "strata/data/graph/datasets.h"
#include "strata/io/safetensors.h"
#include "strata/models/gnn.h"
#include "strata/train/node_classification.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;

struct GraphConfig {
  std::string path, name, graph = "karate";
  data::graph::DebianPackagesOptions debian;
  models::GNNOptions model;
  train::NodeClassificationOptions training;
  int threads = 0;
};

class GraphReader : public FieldReader {
 public:
  using FieldReader::FieldReader;

  GraphConfig read_config() const {
    GraphConfig c;
    c.path = path_;
    YAML::Node doc = load_document();
    check_keys(doc, "", {"name", "data", "model", "optimizer", "training"});
    if (doc["name"].IsDefined() && !doc["name"].IsNull()) c.name = as<std::string>(doc["name"], "name");
    const YAML::Node d = doc["data"];
    check_section(d, "data", false);
    check_keys(d, "data",
               {"dataset", "graph", "root", "vocab_size", "num_sections", "train_fraction", "val_fraction",
                "recommends"});
    read(d, "data", "graph", c.graph);
    if (c.graph != "karate" && c.graph != "debian-packages")
      fail(d["graph"], "data.graph",
           fmt::format("unknown graph '{}' (known: karate, debian-packages)", c.graph));
    read(d, "data", "root", c.debian.lists_dir);
    read(d, "data", "vocab_size", c.debian.vocab_size);
    read(d, "data", "num_sections", c.debian.num_sections);
    read(d, "data", "train_fraction", c.debian.train_fraction);
    read(d, "data", "val_fraction", c.debian.val_fraction);
    read(d, "data", "recommends", c.debian.recommends);
    const YAML::Node m = doc["model"];
    check_section(m, "model", false);
    check_keys(m, "model", {"conv", "hidden_channels", "num_layers", "dropout", "aggr", "heads"});
    read(m, "model", "conv", c.model.conv);
    read(m, "model", "hidden_channels", c.model.hidden_channels);
    read(m, "model", "num_layers", c.model.num_layers);
    read(m, "model", "dropout", c.model.dropout);
    read(m, "model", "aggr", c.model.aggr);
    read(m, "model", "heads", c.model.heads);
    const YAML::Node o = doc["optimizer"];
    check_section(o, "optimizer", false);
    check_keys(o, "optimizer", {"name", "lr", "weight_decay"});
    std::string opt = "adam";
    read(o, "optimizer", "name", opt);
    if (opt != "adam")
      fail(o["name"], "optimizer.name", fmt::format("graph training uses adam, got '{}'", opt));
    read(o, "optimizer", "lr", c.training.lr);
    read(o, "optimizer", "weight_decay", c.training.weight_decay);
    const YAML::Node t = doc["training"];
    check_section(t, "training", false);
    check_keys(t, "training", {"epochs", "seed", "threads", "fanouts", "batch_size", "select_on_val"});
    read(t, "training", "epochs", c.training.epochs);
    read(t, "training", "seed", c.training.seed);
    read(t, "training", "threads", c.threads);
    read_list(t, "training", "fanouts", c.training.fanouts);
    read(t, "training", "batch_size", c.training.batch_size);
    read(t, "training", "select_on_val", c.training.select_on_val);
    if (c.training.epochs <= 0)
      fail(t["epochs"], "training.epochs",
           fmt::format("field 'training.epochs' must be positive, got {}", c.training.epochs));
    c.debian.seed = c.training.seed;
    return c;
  }
};

std::vector<Override> overrides_of(const TrainArgs& args) {
  std::vector<Override> out;
  for (const std::string& s : args.set) {
    const size_t eq = s.find('=');
    STRATA_CHECK(eq != std::string::npos, "--set {}: expected KEY=VALUE", s);
    out.push_back({s.substr(0, eq), s.substr(eq + 1), "--set " + s});
  }
  if (args.epochs) out.push_back({"training.epochs", std::to_string(*args.epochs), "--epochs"});
  if (args.lr) out.push_back({"optimizer.lr", fmt::format("{}", *args.lr), "--lr"});
  if (args.seed) out.push_back({"training.seed", std::to_string(*args.seed), "--seed"});
  if (args.batch_size)
    out.push_back({"training.batch_size", std::to_string(*args.batch_size), "--batch-size"});
  if (args.threads) out.push_back({"training.threads", std::to_string(*args.threads), "--threads"});
  return out;
}

}  // namespace

bool is_graph_config(const std::string& path) {
  try {
    const YAML::Node doc = YAML::LoadFile(path);
    return doc.IsMap() && doc["data"].IsMap() && doc["data"]["dataset"].IsScalar() &&
           doc["data"]["dataset"].Scalar() == "graph";
  } catch (const YAML::Exception&) {
    return false;  // the regular reader reports the problem
  }
}

int run_graph_train(const TrainArgs& args) {
  const GraphConfig c = GraphReader(args.config, overrides_of(args)).read_config();
  if (c.threads > 0) set_num_threads(c.threads);
  manual_seed(c.training.seed);
  const std::string name = c.name.empty() ? fs::path(c.path).stem().string() : c.name;
  const std::string out = args.out.empty() ? "runs/" + name : args.out;
  const data::graph::Graph g =
      c.graph == "karate" ? data::graph::karate_club() : data::graph::debian_packages(c.debian);
  models::GNN model(g.num_features(), g.num_classes(), c.model);
  fmt::print(stderr, "{}: {} nodes, {} edges, {} features, {} classes; model {}\n", c.graph, g.num_nodes(),
             g.num_edges(), g.num_features(), g.num_classes(), c.model.conv);
  fs::create_directories(out);
  std::ofstream csv(fs::path(out) / "metrics.csv");
  csv << "epoch,loss,train_accuracy,val_accuracy,test_accuracy\n";
  const auto result =
      train::fit_node_classification(*model.ptr(), g, c.training, [&](const train::NodeEpoch& e) {
        csv << fmt::format("{},{:.6f},{:.6f},{:.6f},{:.6f}\n", e.epoch, e.loss, e.train_accuracy,
                           e.val_accuracy, e.test_accuracy);
        if (args.progress && (e.epoch % 20 == 0 || e.epoch == c.training.epochs))
          fmt::print(stderr, "epoch {} loss {:.4f} train {:.4f} val {:.4f} test {:.4f}\n", e.epoch, e.loss,
                     e.train_accuracy, e.val_accuracy, e.test_accuracy);
      });
  io::save_safetensors((fs::path(out) / "model.safetensors").string(), model->state_dict());
  const auto& b = result.best;
  fmt::print(
      "{{\"epoch\": {}, \"train_accuracy\": {:.4f}, \"val_accuracy\": {:.4f}, \"test_accuracy\": {:.4f}}}\n",
      b.epoch, b.train_accuracy, b.val_accuracy, b.test_accuracy);
  return 0;
}

}  // namespace strata::cli
