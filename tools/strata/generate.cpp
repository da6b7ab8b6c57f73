#include "generate.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include "config.h"
#include "generate_images.h"
#include "model_builder.h"
#include "strata/data/text/char_tokenizer.h"
#include "strata/data/text/generation.h"
#include "strata/io/safetensors.h"
#include "strata/nn.h"
#include "strata/nn/rnn.h"
#include "strata/strata.h"
#include "text_data.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;

// The fields of a char_lm config that generation needs, with their defaults.
struct LmConfig {
  int64_t embedding_dim = 64, hidden_size = 256, num_layers = 2;
  std::string prompt = "Call me";
  int64_t tokens = 200;
  double temperature = 0.8;
  int64_t top_k = 20;
  double top_p = 1.0;
  uint64_t seed = 0;
};

template <typename T>
void read(const YAML::Node& doc, const char* section, const char* key, T& out, const std::string& path) {
  const YAML::Node sec = doc[section];
  if (!sec.IsDefined() || sec.IsNull()) return;
  STRATA_CHECK(sec.IsMap(), "{}:{}: '{}' must be a map", path, sec.Mark().line + 1, section);
  const YAML::Node v = sec[key];
  if (!v.IsDefined() || v.IsNull()) return;
  try {
    out = v.as<T>();
  } catch (const YAML::Exception&) {
    STRATA_FAIL("{}:{}: field '{}.{}' has the wrong type ('{}')", path, v.Mark().line + 1, section, key,
                v.IsScalar() ? v.Scalar() : "not a scalar");
  }
}

LmConfig load_lm_config(const std::string& path) {
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(path);
  } catch (const YAML::ParserException& e) {
    STRATA_FAIL("{}:{}: invalid YAML: {}", path, e.mark.line + 1, e.msg);
  } catch (const YAML::Exception& e) {
    STRATA_FAIL("{}: cannot read: {}", path, e.what());
  }
  STRATA_CHECK(doc.IsMap(), "{}: the config must be a YAML map", path);
  for (const char* key : {"embedding_dim", "hidden_size", "num_layers"}) {
    STRATA_CHECK(
        doc["model"].IsMap() && doc["model"][key].IsDefined(),
        "{}: field 'model.{}' is missing (generate needs a char_lm config like configs/char_lm.yaml)", path,
        key);
  }
  LmConfig c;
  read(doc, "model", "embedding_dim", c.embedding_dim, path);
  read(doc, "model", "hidden_size", c.hidden_size, path);
  read(doc, "model", "num_layers", c.num_layers, path);
  read(doc, "generate", "prompt", c.prompt, path);
  read(doc, "generate", "tokens", c.tokens, path);
  read(doc, "generate", "temperature", c.temperature, path);
  read(doc, "generate", "top_k", c.top_k, path);
  read(doc, "generate", "top_p", c.top_p, path);
  read(doc, "generate", "seed", c.seed, path);
  STRATA_CHECK(c.embedding_dim > 0 && c.hidden_size > 0 && c.num_layers > 0,
               "{}: model.embedding_dim, model.hidden_size and model.num_layers must be positive", path);
  return c;
}

// True for a `strata train` config (a layer list, or a dataset other than char_lm's moby-dick), false for
// the examples/char_lm format.
bool is_train_config(const std::string& path) {
  try {
    const YAML::Node doc = YAML::LoadFile(path);
    if (!doc.IsMap()) return false;
    const YAML::Node model = doc["model"], data = doc["data"];
    if (model.IsMap() && model["layers"].IsDefined()) return true;
    return data.IsMap() && data["dataset"].IsScalar() && data["dataset"].Scalar() != "moby-dick";
  } catch (const YAML::Exception&) {
    return false;  // load_lm_config reports it
  }
}

// Samples from a model built by `strata train` from a text-lm config: the layers run one token at a
// time, the recurrent ones carrying their state from token to token.
int generate_from_train_config(const GenerateArgs& args) {
  const Config c = load_config(args.config, {}, /*check_text_path=*/false);
  STRATA_CHECK(c.data.dataset == "text-lm",
               "generate: {} trains on dataset '{}'; generate needs a language model (dataset text-lm)",
               args.config, c.data.dataset);
  if (c.training.threads > 0) set_num_threads(c.training.threads);
  const LmConfig defaults;
  // The tokenizer `strata train` fitted, saved beside the checkpoint; runs without it fit it again.
  const std::string run_dir = fs::path(args.checkpoint).parent_path().string();
  std::optional<TextTokenizer> saved = load_tokenizer(run_dir.empty() ? "." : run_dir);
  if (!saved) {
    std::cerr << fmt::format("strata generate: no saved {} beside {}; fitted again on the training text\n",
                             kTokenizerFile, args.checkpoint);
    saved = load_language_model_text(c).tokenizer;
  }
  const TextTokenizer& tok = *saved;
  TrainingData shape;
  shape.input_shape = Shape{1, c.data.text.seq_len};
  shape.input_dtype = kInt64;
  shape.vocab_size = tok.vocab_size();
  const std::shared_ptr<nn::Module> built = build_model(c, shape);
  const auto model = std::dynamic_pointer_cast<nn::SequentialImpl>(built);
  const std::shared_ptr<models::GPTImpl> gpt = zoo_gpt(built);
  STRATA_CHECK(model || gpt,
               "generate: the model of {} must be a list of layers (model.layers), which generate steps "
               "through one token at a time, or model.zoo: gpt",
               args.config);
  const io::SafetensorsFile file = io::read_safetensors(args.checkpoint);
  nn::StateDict state;
  for (const auto& [k, v] : file.tensors) {
    if (k.rfind("model.", 0) == 0) state[k.substr(6)] = v;
  }
  if (state.empty()) state = file.tensors;
  try {
    built->load_state_dict(state);
  } catch (const Error& e) {
    STRATA_FAIL("generate: checkpoint {} does not fit the model of {}: {}", args.checkpoint, args.config,
                e.what());
  }
  const std::string prompt = args.prompt.value_or(defaults.prompt);
  STRATA_CHECK(!prompt.empty(), "generate: the prompt is empty");
  const data::text::SamplingOptions sampling{.temperature = args.temperature.value_or(defaults.temperature),
                                             .top_k = args.top_k.value_or(defaults.top_k),
                                             .top_p = args.top_p.value_or(defaults.top_p)};
  Generator gen(args.seed.value_or(c.training.seed));
  const int64_t count = args.tokens.value_or(defaults.tokens);
  if (gpt) {
    // The GPT keeps a KV cache: each new token runs one position through the model.
    const auto ids = gpt->generate(tok.encode(prompt), count, sampling, gen);
    std::cout << prompt << (tok.words() ? " " : "") << tok.decode(ids) << std::endl;
    return 0;
  }
  built->eval();
  NoGradGuard no_grad;
  const int64_t vocab = tok.vocab_size();
  std::vector<nn::LSTMState> lstm_states(model->size());
  std::vector<Tensor> hidden(model->size());
  const auto step = [&](int64_t id) {
    Tensor x = full({1, 1}, static_cast<double>(id), {.dtype = kInt64});
    for (size_t i = 0; i < model->size(); ++i) {
      const std::shared_ptr<nn::Module> layer = (*model)[i];
      if (auto lstm = std::dynamic_pointer_cast<nn::LSTMImpl>(layer)) {
        nn::LSTMOutput out = lstm->forward(x, lstm_states[i]);
        lstm_states[i] = out.state;
        x = out.output;
      } else if (auto gru = std::dynamic_pointer_cast<nn::GRUImpl>(layer)) {
        nn::RNNOutput out = gru->forward(x, hidden[i]);
        hidden[i] = out.h_n;
        x = out.output;
      } else if (auto rnn = std::dynamic_pointer_cast<nn::RNNImpl>(layer)) {
        nn::RNNOutput out = rnn->forward(x, hidden[i]);
        hidden[i] = out.h_n;
        x = out.output;
      } else {
        x = layer->forward(x);
      }
    }
    return x.reshape({vocab});
  };
  const auto ids = data::text::generate_tokens(step, tok.encode(prompt), count, sampling, gen);
  std::cout << prompt << (tok.words() ? " " : "") << tok.decode(ids) << std::endl;
  return 0;
}

}  // namespace

CLI::App* add_generate_command(CLI::App& app, GenerateArgs& args) {
  CLI::App* cmd =
      app.add_subcommand("generate", "Sample text from a language model (recurrent layers or GPT)");
  cmd->add_option("-c,--config", args.config,
                  "text-lm config of strata train (configs/moby_char_lstm.yaml) or char_lm config "
                  "(configs/char_lm.yaml)")
      ->type_name("FILE")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--checkpoint", args.checkpoint,
                  "best/last.safetensors of strata train, or model.safetensors of examples/char_lm")
      ->type_name("FILE")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--prompt", args.prompt, "Text to start from (default generate.prompt)")->type_name("TEXT");
  cmd->add_option("--tokens", args.tokens, "Characters to sample (default generate.tokens)")
      ->type_name("N")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--temperature", args.temperature,
                  "Sampling temperature; 0 is greedy (default generate.temperature)")
      ->type_name("T")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--top-k", args.top_k,
                  "Sample among the k likeliest characters; 0 is all (default generate.top_k)")
      ->type_name("K")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--top-p", args.top_p,
                  "Sample among the fewest likeliest tokens whose probability reaches p; 1 is all (default "
                  "generate.top_p)")
      ->type_name("P")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--seed", args.seed, "Random seed (default generate.seed, or training.seed for images)")
      ->type_name("S");
  cmd->add_option("--out", args.out, "Image models: the PNG grid to write")->type_name("FILE");
  cmd->add_option("--n", args.n, "Image models: how many images (default 64; class rows round up)")
      ->type_name("N");
  cmd->add_option("--class", args.class_label,
                  "Image models: every sample of this class (conditional models)")
      ->type_name("K");
  cmd->add_flag("--interpolate", args.interpolate,
                "Image models: rows of latent interpolations between random pairs instead of samples");
  cmd->add_option("--interpolation", args.interpolation, "Image models: slerp (default) or lerp")
      ->type_name("MODE");
  cmd->add_option("--steps", args.steps, "Image models: images per interpolation row (default 10)")
      ->type_name("N");
  return cmd;
}

int run_generate(const GenerateArgs& args) {
  if (is_image_generation_config(args.config)) return generate_images(args);
  STRATA_CHECK(
      args.out.empty() && !args.n && !args.class_label && !args.interpolate && !args.steps,
      "generate: --out, --n, --class, --interpolate and --steps are for image models (vae, dcgan, cgan, "
      "wgan_gp configs); {} is a text config",
      args.config);
  if (is_train_config(args.config)) return generate_from_train_config(args);
  LmConfig c = load_lm_config(args.config);
  const std::string prompt = args.prompt.value_or(c.prompt);
  const int64_t count = args.tokens.value_or(c.tokens);
  const data::text::SamplingOptions sampling{.temperature = args.temperature.value_or(c.temperature),
                                             .top_k = args.top_k.value_or(c.top_k),
                                             .top_p = args.top_p.value_or(c.top_p)};
  STRATA_CHECK(!prompt.empty(), "generate: the prompt is empty");

  const io::SafetensorsFile file = io::read_safetensors(args.checkpoint);
  auto tok_it = file.metadata.find("tokenizer");
  STRATA_CHECK(tok_it != file.metadata.end(),
               "generate: {} has no tokenizer in its metadata; train it with examples/char_lm",
               args.checkpoint);
  const data::text::CharTokenizer tok =
      data::text::CharTokenizer::from_json(tok_it->second, args.checkpoint + " (tokenizer metadata)");
  const int64_t vocab = tok.vocab_size();

  nn::Sequential model(
      nn::Embedding(vocab, c.embedding_dim),
      nn::LSTM(c.embedding_dim, c.hidden_size, {.num_layers = c.num_layers, .batch_first = true}),
      nn::Linear(c.hidden_size, vocab));
  try {
    model->load_state_dict(file.tensors);
  } catch (const Error& e) {
    STRATA_FAIL(
        "generate: {} does not match the model of {} (vocabulary {}, embedding_dim {}, hidden_size {}, "
        "num_layers {}): {}",
        args.checkpoint, args.config, vocab, c.embedding_dim, c.hidden_size, c.num_layers, e.what());
  }
  model->eval();
  NoGradGuard no_grad;
  auto lstm = std::dynamic_pointer_cast<nn::LSTMImpl>((*model)[1]);
  nn::LSTMState state;
  const auto step = [&](int64_t id) {
    const Tensor x = (*model)[0]->forward(full({1, 1}, static_cast<double>(id), {.dtype = kInt64}));
    nn::LSTMOutput out = lstm->forward(x, state);
    state = out.state;
    return (*model)[2]->forward(out.output).reshape({vocab});
  };
  Generator gen(args.seed.value_or(c.seed));
  const auto ids = data::text::generate_tokens(step, tok.encode(prompt), count, sampling, gen);
  std::cout << prompt << tok.decode(ids) << std::endl;
  return 0;
}

}  // namespace strata::cli
