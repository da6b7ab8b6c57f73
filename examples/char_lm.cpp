// Character-level LSTM language model on Moby Dick: trains on the book but its last chapters, reports the
// held-out bits per character beside a unigram model's, saves the weights with the tokenizer, and samples
// text from a prompt with temperature and top-k.
//
//   char_lm [--config configs/char_lm.yaml] [--epochs N] [--max-steps N] [--out DIR] [--threads N]
//   strata generate --config configs/char_lm.yaml --checkpoint runs/char_lm/model.safetensors --prompt "Call
//   me"
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include "strata/core/threading.h"
#include "strata/data/dataloader.h"
#include "strata/data/text/char_tokenizer.h"
#include "strata/data/text/corpora.h"
#include "strata/data/text/generation.h"
#include "strata/data/text/lm_dataset.h"
#include "strata/io/safetensors.h"
#include "strata/nn.h"
#include "strata/nn/rnn.h"
#include "strata/optim/adam.h"
#include "strata/optim/clip.h"
#include "strata/strata.h"

using namespace strata;
namespace text = strata::data::text;

namespace {

struct Settings {
  std::string root;
  int64_t seq_len = 100, batch_size = 64;
  double val_fraction = 0.05;
  int64_t embedding_dim = 64, hidden_size = 256, num_layers = 2;
  double dropout = 0.1, lr = 2e-3, clip = 1.0;
  int epochs = 3;
  int64_t max_steps = 0;
  uint64_t seed = 0;
  std::string out = "runs/char_lm";
  std::string prompt = "Call me";
  int64_t tokens = 200;
  text::SamplingOptions sampling{.temperature = 0.8, .top_k = 20};
};

// Reads `section.key` of the config into `out` when present.
template <typename T>
void read(const YAML::Node& doc, const char* section, const char* key, T& out, const std::string& path) {
  const YAML::Node v = doc[section][key];
  if (!v.IsDefined() || v.IsNull()) return;
  try {
    out = v.as<T>();
  } catch (const YAML::Exception&) {
    STRATA_FAIL("{}:{}: field '{}.{}' has the wrong type", path, v.Mark().line + 1, section, key);
  }
}

Settings load_settings(const std::string& path) {
  Settings s;
  if (path.empty()) return s;
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    STRATA_FAIL("{}: cannot read the config: {}", path, e.what());
  }
  std::string dataset = "moby-dick";
  read(doc, "data", "dataset", dataset, path);
  STRATA_CHECK(dataset == "moby-dick", "{}: data.dataset must be moby-dick, got '{}'", path, dataset);
  read(doc, "data", "root", s.root, path);
  read(doc, "data", "seq_len", s.seq_len, path);
  read(doc, "data", "batch_size", s.batch_size, path);
  read(doc, "data", "val_fraction", s.val_fraction, path);
  read(doc, "model", "embedding_dim", s.embedding_dim, path);
  read(doc, "model", "hidden_size", s.hidden_size, path);
  read(doc, "model", "num_layers", s.num_layers, path);
  read(doc, "model", "dropout", s.dropout, path);
  read(doc, "optimizer", "lr", s.lr, path);
  read(doc, "training", "epochs", s.epochs, path);
  read(doc, "training", "max_steps", s.max_steps, path);
  read(doc, "training", "clip_grad_norm", s.clip, path);
  read(doc, "training", "seed", s.seed, path);
  read(doc, "training", "out", s.out, path);
  read(doc, "generate", "prompt", s.prompt, path);
  read(doc, "generate", "tokens", s.tokens, path);
  read(doc, "generate", "temperature", s.sampling.temperature, path);
  read(doc, "generate", "top_k", s.sampling.top_k, path);
  return s;
}

nn::Sequential build_model(const Settings& s, int64_t vocab) {
  return nn::Sequential(nn::Embedding(vocab, s.embedding_dim),
                        nn::LSTM(s.embedding_dim, s.hidden_size,
                                 {.num_layers = s.num_layers, .batch_first = true, .dropout = s.dropout}),
                        nn::Linear(s.hidden_size, vocab));
}

// Mean cross-entropy in nats per character over the windows of `tokens`.
double evaluate_nats(nn::Sequential& model, const Tensor& tokens, int64_t seq_len, int64_t vocab) {
  NoGradGuard no_grad;
  model->eval();
  auto ds = std::make_shared<text::LanguageModelDataset>(tokens, seq_len);
  data::DataLoader loader(ds, {.batch_size = 64});
  double total = 0;
  int64_t count = 0;
  for (const data::Batch& b : loader) {
    const int64_t n = b.target.numel();
    total += F::cross_entropy(model(b.input).reshape({-1, vocab}), b.target.reshape({n})).item() *
             static_cast<double>(n);
    count += n;
  }
  model->train();
  return total / static_cast<double>(count);
}

// Samples `count` characters after the prompt, carrying the LSTM state from step to step.
std::string sample(nn::Sequential& model, const text::CharTokenizer& tok, const Settings& s, Generator& gen) {
  NoGradGuard no_grad;
  model->eval();
  auto lstm = std::dynamic_pointer_cast<nn::LSTMImpl>((*model)[1]);
  nn::LSTMState state;
  const int64_t vocab = tok.vocab_size();
  const auto step = [&](int64_t id) {
    const Tensor x = (*model)[0]->forward(full({1, 1}, static_cast<double>(id), {.dtype = kInt64}));
    nn::LSTMOutput out = lstm->forward(x, state);
    state = out.state;
    return (*model)[2]->forward(out.output).reshape({vocab});
  };
  const auto ids = text::generate_tokens(step, tok.encode(s.prompt), s.tokens, s.sampling, gen);
  model->train();
  return s.prompt + tok.decode(ids);
}

int run(int argc, char** argv) {
  std::string config = std::filesystem::exists("configs/char_lm.yaml") ? "configs/char_lm.yaml" : "";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--config") config = argv[i + 1];
  }
  Settings s = load_settings(config);
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    STRATA_CHECK(i + 1 < argc, "char_lm: {} needs a value", flag);
    const std::string value = argv[i + 1];
    if (flag == "--config") continue;
    if (flag == "--epochs") {
      s.epochs = std::stoi(value);
    } else if (flag == "--max-steps") {
      s.max_steps = std::stoll(value);
    } else if (flag == "--out") {
      s.out = value;
    } else if (flag == "--threads") {
      set_num_threads(std::stoi(value));
    } else {
      STRATA_FAIL("char_lm: unknown option {} (options: --config, --epochs, --max-steps, --out, --threads)",
                  flag);
    }
  }
  manual_seed(s.seed);
  const std::string novel = text::load_moby_dick(s.root);
  const text::CharTokenizer tok = text::CharTokenizer::fit(novel);
  const int64_t vocab = tok.vocab_size();
  const auto [train_tokens, val_tokens] = text::split_stream(tok.encode_tensor(novel), 1.0 - s.val_fraction);
  std::cout << fmt::format("Moby Dick: {} characters, {} distinct; {} for training, {} held out\n",
                           train_tokens.numel() + val_tokens.numel(), vocab, train_tokens.numel(),
                           val_tokens.numel());
  const double unigram = text::unigram_bits_per_token(train_tokens, val_tokens, vocab);

  nn::Sequential model = build_model(s, vocab);
  std::cout << fmt::format("model: embedding {} -> LSTM {}x{} -> linear {} ({} parameters)\n",
                           s.embedding_dim, s.num_layers, s.hidden_size, vocab, model->num_parameters());
  optim::Adam opt(model->parameters(), {.lr = s.lr});
  auto train_set = std::make_shared<text::LanguageModelDataset>(train_tokens, s.seq_len);
  data::DataLoader loader(train_set,
                          {.batch_size = s.batch_size, .shuffle = true, .seed = s.seed, .drop_last = true});
  const auto start = std::chrono::steady_clock::now();
  int64_t step = 0;
  double val_bpc = 0;
  for (int epoch = 1; epoch <= s.epochs && (s.max_steps == 0 || step < s.max_steps); ++epoch) {
    double running = 0;
    int64_t n = 0;
    for (const data::Batch& b : loader) {
      const Tensor loss = F::cross_entropy(model(b.input).reshape({-1, vocab}), b.target.reshape({-1}));
      opt.zero_grad();
      loss.backward();
      optim::clip_grad_norm_(model->parameters(), s.clip);
      opt.step();
      running += loss.item();
      ++n;
      ++step;
      if (step % 20 == 0) {
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::cout << fmt::format("\repoch {} step {}/{}  train bits/char {:.3f}  {:.0f}s", epoch, n,
                                 loader.size(), text::nats_to_bits(running / static_cast<double>(n)), secs)
                  << std::flush;
      }
      if (s.max_steps > 0 && step >= s.max_steps) break;
    }
    val_bpc = text::nats_to_bits(evaluate_nats(model, val_tokens, s.seq_len, vocab));
    std::cout << fmt::format("\nepoch {}: validation bits/char {:.3f} (unigram baseline {:.3f})\n", epoch,
                             val_bpc, unigram);
  }
  std::filesystem::create_directories(s.out);
  const std::string checkpoint = s.out + "/model.safetensors";
  io::save_safetensors(checkpoint, model->state_dict(),
                       {{"tokenizer", tok.to_json()},
                        {"model", "char_lstm"},
                        {"validation_bits_per_char", fmt::format("{:.4f}", val_bpc)}});
  Generator gen(s.seed);
  std::cout << "sample: " << sample(model, tok, s, gen) << "\n";
  std::cout << fmt::format(
      "saved {}; generate more with:\n  strata generate --config {} --checkpoint {} "
      "--prompt \"Call me\" --tokens 200\n",
      checkpoint, config.empty() ? "configs/char_lm.yaml" : config, checkpoint);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "char_lm: error: " << e.what() << "\n";
    return 1;
  }
}
