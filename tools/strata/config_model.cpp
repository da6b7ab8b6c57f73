// Reader: the model section of a `strata train` config.
#include <algorithm>
#include <iterator>
#include <set>

#include "config_reader.h"

namespace strata::cli::detail {

// model fields of the zoo's transformer_seq2seq (besides dropout).
constexpr const char* kSeq2SeqFields[] = {
    "d_model", "nhead", "num_encoder_layers", "num_decoder_layers", "dim_feedforward", "max_positions"};

void Reader::read_layers(const YAML::Node& list, ModelConfig& m) const {
  if (!list.IsSequence() || list.size() == 0) {
    fail(list, "model.layers",
         fmt::format("'model.layers' must be a non-empty list of layers, got {}", describe(list)));
  }
  for (const auto& item : list) {
    if (item.IsScalar()) {
      m.layers.push_back({item.Scalar(), YAML::Node(), where(item, "model.layers")});
      continue;
    }
    // A one-entry map ("linear: {out: 10}"), optionally with the layer's `name` and `repeat`.
    LayerSpec spec{.where = where(item, "model.layers")};
    if (item.IsMap()) {
      for (const auto& kv : item) {
        if (!kv.first.IsScalar()) fail(item, "model.layers", "a layer's type must be a name");
        const std::string key = kv.first.Scalar();
        if (key == "name") {
          spec.name = as<std::string>(kv.second, "model.layers.name");
        } else if (key == "repeat") {
          spec.repeat = as<int64_t>(kv.second, "model.layers.repeat");
          if (spec.repeat < 1) fail(kv.second, "model.layers.repeat", "field 'repeat' must be at least 1");
        } else if (key == "from") {
          fail(kv.first, "model.layers",
               "a layer of a 'layers' list reads the one before it; write a 'graph' for other inputs");
        } else if (spec.type.empty()) {
          spec.type = key;
          spec.args = kv.second;
        } else {
          fail(item, "model.layers",
               fmt::format("a layer names one type, got '{}' and '{}' (other keys: name, repeat)", spec.type,
                           key));
        }
      }
    }
    if (spec.type.empty()) {
      fail(item, "model.layers",
           fmt::format("each layer must be a name ('relu') or a map with one type ('linear: {{in: 784, out: "
                       "10}}', optionally with name and repeat), got {}",
                       describe(item)));
    }
    m.layers.push_back(std::move(spec));
  }
}

// model: {zoo: resnet20, classes: 10, ...}: the zoo's options, each checked where it applies.
void Reader::read_zoo(const YAML::Node& node, ModelConfig& m) const {
  const std::vector<std::string> names = models::zoo_names();
  m.zoo = as<std::string>(node["zoo"], "model.zoo");
  if (std::find(names.begin(), names.end(), m.zoo) == names.end()) {
    fail(node["zoo"], "model.zoo",
         fmt::format("unknown zoo model '{}'{} (known: {})", m.zoo, did_you_mean(m.zoo, names), join(names)));
  }
  std::set<std::string> applies{"zoo", "classes"};
  if (m.zoo != "mlp" && m.zoo != "gpt") applies.insert("in_channels");
  if (m.zoo == "mlp" || m.zoo == "mobilenet_v2" || m.zoo.starts_with("vgg") || m.zoo == "gpt" ||
      m.zoo == "transformer_seq2seq")
    applies.insert("dropout");
  if (m.zoo == "gpt") {
    applies.erase("classes");
    applies.insert({"vocab_size", "block_size", "n_layer", "n_head", "n_embd", "bias"});
  }
  if (m.zoo == "transformer_seq2seq") {
    applies.erase("in_channels");
    applies.erase("classes");
    applies.insert(std::begin(kSeq2SeqFields), std::end(kSeq2SeqFields));
  }
  if (m.zoo.starts_with("resnet")) applies.insert("zero_init_residual");
  const bool gan = m.zoo == "dcgan" || m.zoo == "cgan" || m.zoo == "wgan_gp";
  if (gan) {
    applies.insert({"latent_dim", "width"});
    if (m.zoo != "cgan") applies.erase("classes");
    if (m.zoo == "wgan_gp") applies.insert({"lambda_gp", "n_critic"});
  }
  if (m.zoo == "vae") {
    applies.erase("classes");
    applies.insert({"latent_dim", "hidden_channels", "likelihood", "beta", "sigma"});
  }
  if (m.zoo == "mobilenet_v2") applies.insert({"width_mult", "round_nearest"});
  if (m.zoo == "centernet" || m.zoo == "unet") applies.insert("hidden_channels");
  if (m.zoo.starts_with("vgg")) applies.insert({"classifier_width", "pool_size"});
  if (m.zoo == "mlp") applies.insert("sizes");
  const bool bert = m.zoo.starts_with("bert_");
  if (bert) {
    applies.erase("in_channels");
    applies.insert({"dropout", "vocab_size", "d_model", "nhead", "num_encoder_layers", "dim_feedforward",
                    "max_positions", "pad_id"});
    if (m.zoo == "bert_classifier") applies.insert("pooling");
  }
  check_applies(node, "model", m.zoo, applies);
  models::ZooOptions& o = m.zoo_options;
  read(node, "model", "classes", o.num_classes);
  if (o.num_classes <= 0) fail(node["classes"], "model.classes", "field 'model.classes' must be positive");
  int64_t in_channels = 0;
  if (read(node, "model", "in_channels", in_channels)) {
    if (in_channels <= 0)
      fail(node["in_channels"], "model.in_channels", "field 'model.in_channels' must be positive");
    o.in_channels = in_channels;
  }
  double dropout = 0;
  if (read(node, "model", "dropout", dropout)) {
    if (!(dropout >= 0 && dropout < 1))
      fail(node["dropout"], "model.dropout", "field 'model.dropout' must be in [0, 1)");
    o.dropout = dropout;
  }
  read(node, "model", "zero_init_residual", o.zero_init_residual);
  read(node, "model", "width_mult", o.width_mult);
  if (!(o.width_mult > 0))
    fail(node["width_mult"], "model.width_mult", "field 'model.width_mult' must be positive");
  int64_t* const seq2seq[] = {
      &o.d_model,         &o.nhead,        &o.num_encoder_layers, &o.num_decoder_layers,
      &o.dim_feedforward, &o.max_positions};
  for (size_t i = 0; i < std::size(kSeq2SeqFields); ++i) {
    const std::string key = kSeq2SeqFields[i];
    // dim_feedforward 0 stands for 4 x d_model.
    if (read(node, "model", kSeq2SeqFields[i], *seq2seq[i]) &&
        (key == "dim_feedforward" ? *seq2seq[i] < 0 : *seq2seq[i] <= 0))
      fail(node[key], "model." + key, fmt::format("field 'model.{}' must be positive", key));
  }
  read(node, "model", "round_nearest", o.round_nearest);
  if (o.round_nearest <= 0) {
    fail(node["round_nearest"], "model.round_nearest", "field 'model.round_nearest' must be positive");
  }
  read(node, "model", "classifier_width", o.classifier_width);
  if (o.classifier_width <= 0) {
    fail(node["classifier_width"], "model.classifier_width",
         "field 'model.classifier_width' must be positive");
  }
  read(node, "model", "pool_size", o.pool_size);
  if (o.pool_size <= 0)
    fail(node["pool_size"], "model.pool_size", "field 'model.pool_size' must be positive");
  if (bert) {
    // vocab_size and pad_id left out take the data's (model_builder.cpp).
    read(node, "model", "vocab_size", o.vocab_size);
    read(node, "model", "pad_id", o.pad_id);
    read(node, "model", "d_model", o.d_model);
    read(node, "model", "nhead", o.nhead);
    read(node, "model", "num_encoder_layers", o.num_encoder_layers);
    read(node, "model", "dim_feedforward", o.dim_feedforward);
    read(node, "model", "max_positions", o.max_positions);
    read(node, "model", "pooling", o.pooling);
    const std::pair<const char*, int64_t> positive[] = {{"d_model", o.d_model},
                                                        {"nhead", o.nhead},
                                                        {"num_encoder_layers", o.num_encoder_layers},
                                                        {"max_positions", o.max_positions}};
    for (const auto& [key, v] : positive) {
      if (v <= 0)
        fail(node[key], std::string("model.") + key, fmt::format("field 'model.{}' must be positive", key));
    }
    if (o.dim_feedforward < 0)
      fail(node["dim_feedforward"], "model.dim_feedforward",
           "field 'model.dim_feedforward' must be >= 0 (0: 4 x d_model)");
    if (o.d_model % o.nhead != 0)
      fail(node["nhead"], "model.nhead",
           fmt::format("field 'model.d_model' ({}) must be a multiple of 'model.nhead' ({})", o.d_model,
                       o.nhead));
    if (o.pooling != "mean" && o.pooling != "first")
      fail(node["pooling"], "model.pooling",
           fmt::format("unknown pooling '{}'{} (known: mean, first)", o.pooling,
                       did_you_mean(o.pooling, {"mean", "first"})));
  }
  // gpt: vocab_size and block_size left out take the data's vocabulary and seq_len.
  if (m.zoo == "gpt" && read(node, "model", "vocab_size", o.vocab_size) && o.vocab_size <= 0)
    fail(node["vocab_size"], "model.vocab_size", "field 'model.vocab_size' must be positive");
  for (auto [key, field] : {std::pair<const char*, int64_t*>{"block_size", &o.block_size},
                            {"n_layer", &o.n_layer},
                            {"n_head", &o.n_head},
                            {"n_embd", &o.n_embd}}) {
    if (read(node, "model", key, *field) && *field <= 0)
      fail(node[key], std::string("model.") + key, fmt::format("field 'model.{}' must be positive", key));
  }
  read(node, "model", "bias", o.bias);
  if (gan) {
    for (auto [key, field] : {std::pair<const char*, int64_t*>{"latent_dim", &o.latent_dim},
                              {"width", &o.gan_width},
                              {"n_critic", &o.n_critic}}) {
      if (read(node, "model", key, *field) && *field <= 0)
        fail(node[key], std::string("model.") + key, fmt::format("field 'model.{}' must be positive", key));
    }
    if (read(node, "model", "lambda_gp", o.lambda_gp) && !(o.lambda_gp >= 0))
      fail(node["lambda_gp"], "model.lambda_gp", "field 'model.lambda_gp' must be >= 0");
  }
  if (m.zoo == "vae") {
    for (auto [key, field] : {std::pair<const char*, int64_t*>{"latent_dim", &o.latent_dim},
                              {"hidden_channels", &o.hidden_channels}}) {
      if (read(node, "model", key, *field) && *field <= 0)
        fail(node[key], std::string("model.") + key, fmt::format("field 'model.{}' must be positive", key));
    }
    if (read(node, "model", "likelihood", o.likelihood) && o.likelihood != "bernoulli" &&
        o.likelihood != "gaussian")
      fail(node["likelihood"], "model.likelihood",
           fmt::format("unknown likelihood '{}'{} (known: bernoulli, gaussian)", o.likelihood,
                       did_you_mean(o.likelihood, {"bernoulli", "gaussian"})));
    if (read(node, "model", "beta", o.beta) && !(o.beta >= 0))
      fail(node["beta"], "model.beta", "field 'model.beta' must be >= 0");
    if (read(node, "model", "sigma", o.sigma) && !(o.sigma > 0))
      fail(node["sigma"], "model.sigma", "field 'model.sigma' must be positive");
  }
  // centernet: the backbone's width; unet: the first level's channels.
  if ((m.zoo == "centernet" || m.zoo == "unet") &&
      read(node, "model", "hidden_channels", o.hidden_channels) && o.hidden_channels <= 0)
    fail(node["hidden_channels"], "model.hidden_channels", "field 'model.hidden_channels' must be positive");
  std::vector<int64_t> sizes;
  if (read_list(node, "model", "sizes", sizes)) {
    // mlp: sizes as for `name: mlp`: input, hidden..., and the classes last.
    if (sizes.size() < 2) fail(node["sizes"], "model.sizes", "field 'model.sizes' needs at least 2 sizes");
    for (int64_t s : sizes) {
      if (s <= 0) fail(node["sizes"], "model.sizes", "field 'model.sizes' must hold positive sizes");
    }
    o.in_features = sizes.front();
    o.hidden_sizes.assign(sizes.begin() + 1, sizes.end() - 1);
    o.num_classes = sizes.back();
  }
}

void Reader::read_model(const YAML::Node& node, ModelConfig& m) const {
  if (!node.IsDefined() || node.IsNull()) {
    fail(node, "model", "field 'model' is missing (a list of 'layers', a 'graph' or a model 'name')");
  }
  check_section(node, "model", true);
  m.node = YAML::Clone(node);
  m.where = where(node, "model");
  const std::set<std::string> named{"lenet5", "mlp"};
  if (node.IsScalar()) {
    m.name = name_of(node, "model", "", named);
    return;
  }
  check_keys(node, "model",
             {"name",
              "layers",
              "graph",
              "zoo",
              "blocks",
              "output",
              "classes",
              "sizes",
              "dropout",
              "in_channels",
              "zero_init_residual",
              "width_mult",
              "round_nearest",
              "classifier_width",
              "pool_size",
              "vocab_size",
              "d_model",
              "nhead",
              "num_encoder_layers",
              "dim_feedforward",
              "max_positions",
              "pad_id",
              "pooling",
              "num_decoder_layers",
              "block_size",
              "n_layer",
              "n_head",
              "n_embd",
              "bias",
              "latent_dim",
              "width",
              "lambda_gp",
              "n_critic",
              "hidden_channels",
              "likelihood",
              "beta",
              "sigma"});
  const int given = node["name"].IsDefined() + node["layers"].IsDefined() + node["graph"].IsDefined() +
                    node["zoo"].IsDefined();
  if (given != 1) {
    fail(node, "model",
         "'model' needs exactly one of 'layers' (a list of layers), 'graph' (a list of nodes), 'zoo' (a zoo "
         "model: " +
             join(models::zoo_names()) + ") and 'name' (lenet5, mlp)");
  }
  if (node["zoo"].IsDefined()) {
    read_zoo(node, m);
    return;
  }
  if (node["layers"].IsDefined() || node["graph"].IsDefined()) {
    const bool graph = node["graph"].IsDefined();
    check_applies(node, "model", graph ? "graph" : "layers",
                  graph ? std::set<std::string>{"graph", "blocks", "output"}
                        : std::set<std::string>{"layers", "blocks"});
    if (node["blocks"].IsDefined() && !node["blocks"].IsMap()) {
      fail(node["blocks"], "model.blocks",
           fmt::format("'model.blocks' must be a map of block names to blocks, got {}",
                       describe(node["blocks"])));
    }
    if (node["blocks"].IsDefined()) m.blocks = node["blocks"];  // assigning an absent node throws
    if (!graph) {
      read_layers(node["layers"], m);
      return;
    }
    if (!node["graph"].IsSequence() || node["graph"].size() == 0) {
      fail(node["graph"], "model.graph",
           fmt::format("'model.graph' must be a non-empty list of nodes, got {}", describe(node["graph"])));
    }
    m.graph = node["graph"];
    read(node, "model", "output", m.output);
    return;
  }
  m.name = name_of(node, "model", "", named);
  if (m.name == "lenet5") {
    check_applies(node, "model", m.name, {"classes"});
    read(node, "model", "classes", m.classes);
    if (m.classes <= 0) fail(node["classes"], "model.classes", "field 'model.classes' must be positive");
  } else {
    check_applies(node, "model", m.name, {"sizes", "dropout"});
    read_list(node, "model", "sizes", m.sizes);
    read(node, "model", "dropout", m.dropout);
    if (m.sizes.size() < 2) fail(node["sizes"], "model.sizes", "field 'model.sizes' needs at least 2 sizes");
    for (int64_t s : m.sizes) {
      if (s <= 0) fail(node["sizes"], "model.sizes", "field 'model.sizes' must hold positive sizes");
    }
    if (!(m.dropout >= 0 && m.dropout < 1)) {
      fail(node["dropout"], "model.dropout", "field 'model.dropout' must be in [0, 1)");
    }
  }
}

}  // namespace strata::cli::detail
