// Spam/ham classification of the SpamAssassin corpus: word tokenizer fitted on the training split, an
// embedding + bidirectional GRU (or LSTM) over each e-mail's real words (lengths from the padding), the
// final states of both directions and the mean output over time concatenated, and a linear layer. Reports
// accuracy, precision, recall and F1 of the spam class on a held-out stratified split; optionally augments
// training e-mails with EDA.
//
//   spam_classifier [--config configs/spam.yaml] [--epochs N] [--out DIR] [--threads N]
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include "strata/core/threading.h"
#include "strata/data/dataloader.h"
#include "strata/data/text/augment.h"
#include "strata/data/text/collate.h"
#include "strata/data/text/corpora.h"
#include "strata/data/text/word_tokenizer.h"
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
  size_t max_bytes = 4096;
  double test_fraction = 0.2;
  int64_t max_length = 128, min_freq = 2, max_vocab = 20000, batch_size = 32;
  bool augment = false;
  text::EDAOptions eda;
  std::string cell = "gru";
  int64_t embedding_dim = 32, hidden_size = 32;
  bool bidirectional = true;
  double lr = 5e-3;
  int epochs = 3;
  uint64_t seed = 0;
  std::string out = "runs/spam";
};

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
  read(doc, "data", "root", s.root, path);
  read(doc, "data", "max_bytes", s.max_bytes, path);
  read(doc, "data", "test_fraction", s.test_fraction, path);
  read(doc, "data", "max_length", s.max_length, path);
  read(doc, "data", "min_freq", s.min_freq, path);
  read(doc, "data", "max_vocab", s.max_vocab, path);
  read(doc, "data", "batch_size", s.batch_size, path);
  read(doc, "augment", "enabled", s.augment, path);
  read(doc, "augment", "alpha_sr", s.eda.alpha_sr, path);
  read(doc, "augment", "alpha_ri", s.eda.alpha_ri, path);
  read(doc, "augment", "alpha_rs", s.eda.alpha_rs, path);
  read(doc, "augment", "p_rd", s.eda.p_rd, path);
  read(doc, "model", "cell", s.cell, path);
  read(doc, "model", "embedding_dim", s.embedding_dim, path);
  read(doc, "model", "hidden_size", s.hidden_size, path);
  read(doc, "model", "bidirectional", s.bidirectional, path);
  read(doc, "optimizer", "lr", s.lr, path);
  read(doc, "training", "epochs", s.epochs, path);
  read(doc, "training", "seed", s.seed, path);
  read(doc, "training", "out", s.out, path);
  STRATA_CHECK(s.cell == "gru" || s.cell == "lstm", "{}: model.cell must be gru or lstm, got '{}'", path,
               s.cell);
  return s;
}

// Embedding -> (bi)GRU or LSTM over the real steps of each e-mail -> final states of all directions and the
// mean output over the real steps -> linear.
class SpamNet : public nn::Module {
 public:
  SpamNet(const Settings& s, int64_t vocab, int64_t pad_id) : Module("SpamNet"), pad_id_(pad_id) {
    embedding_ = register_module("embedding", nn::Embedding(vocab, s.embedding_dim, pad_id).ptr());
    if (s.cell == "gru") {
      gru_ = register_module("rnn", nn::GRU(s.embedding_dim, s.hidden_size,
                                            {.batch_first = true, .bidirectional = s.bidirectional})
                                        .ptr());
    } else {
      lstm_ = register_module("rnn", nn::LSTM(s.embedding_dim, s.hidden_size,
                                              {.batch_first = true, .bidirectional = s.bidirectional})
                                         .ptr());
    }
    fc_ = register_module("fc", nn::Linear(2 * (s.bidirectional ? 2 : 1) * s.hidden_size, 2).ptr());
  }
  Tensor forward(const Tensor& tokens) override {
    const Tensor lengths = text::sequence_lengths(tokens, pad_id_);
    const Tensor x = embedding_->forward(tokens);
    Tensor output, h_n;
    if (gru_) {
      nn::RNNOutput out = gru_->forward(x, Tensor(), lengths);
      output = out.output;
      h_n = out.h_n;
    } else {
      nn::LSTMOutput out = lstm_->forward(x, {}, lengths);
      output = out.output;
      h_n = out.state.h;
    }
    // Final state of each direction, and the mean output over the real steps (outputs past the end are zero).
    std::vector<Tensor> features;
    for (int64_t d = 0; d < h_n.size(0); ++d) features.push_back(h_n.select(0, d));
    features.push_back(output.sum(Shape{1}) / lengths.to(kFloat32).unsqueeze(1));
    return fc_->forward(F::cat(features, 1));
  }

 private:
  int64_t pad_id_;
  std::shared_ptr<nn::EmbeddingImpl> embedding_;
  std::shared_ptr<nn::GRUImpl> gru_;
  std::shared_ptr<nn::LSTMImpl> lstm_;
  std::shared_ptr<nn::LinearImpl> fc_;
};

struct Scores {
  double accuracy, precision, recall, f1;
};

Scores evaluate(SpamNet& model, data::DataLoader& loader) {
  NoGradGuard no_grad;
  model.eval();
  int64_t tp = 0, fp = 0, fn = 0, correct = 0, total = 0;
  for (const data::Batch& b : loader) {
    const std::vector<int64_t> pred = model(b.input).argmax(1).to_vector<int64_t>();
    const std::vector<int64_t> truth = b.target.to_vector<int64_t>();
    for (size_t i = 0; i < pred.size(); ++i) {
      correct += pred[i] == truth[i];
      tp += pred[i] == 1 && truth[i] == 1;
      fp += pred[i] == 1 && truth[i] == 0;
      fn += pred[i] == 0 && truth[i] == 1;
      ++total;
    }
  }
  model.train();
  const auto ratio = [](int64_t a, int64_t b) {
    return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  const double precision = ratio(tp, tp + fp), recall = ratio(tp, tp + fn);
  return {ratio(correct, total), precision, recall,
          precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0};
}

int run(int argc, char** argv) {
  std::string config = std::filesystem::exists("configs/spam.yaml") ? "configs/spam.yaml" : "";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--config") config = argv[i + 1];
  }
  Settings s = load_settings(config);
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    STRATA_CHECK(i + 1 < argc, "spam_classifier: {} needs a value", flag);
    const std::string value = argv[i + 1];
    if (flag == "--config") continue;
    if (flag == "--epochs") {
      s.epochs = std::stoi(value);
    } else if (flag == "--out") {
      s.out = value;
    } else if (flag == "--threads") {
      set_num_threads(std::stoi(value));
    } else {
      STRATA_FAIL("spam_classifier: unknown option {} (options: --config, --epochs, --out, --threads)", flag);
    }
  }
  manual_seed(s.seed);
  const text::TextCorpus corpus = text::load_spam_assassin(s.root, {.max_bytes = s.max_bytes});
  const auto [train, test] = text::stratified_split(corpus, s.test_fraction, s.seed);
  const auto spam_count = [](const text::TextCorpus& c) {
    return std::count(c.labels.begin(), c.labels.end(), 1);
  };
  std::cout << fmt::format("SpamAssassin: {} e-mails; train {} ({} spam), test {} ({} spam)\n", corpus.size(),
                           train.size(), spam_count(train), test.size(), spam_count(test));
  const text::WordTokenizer tok =
      text::WordTokenizer::fit(train.texts, {.min_freq = s.min_freq, .max_size = s.max_vocab});
  const int64_t pad = *tok.vocab().pad_id();
  const auto encode = [&](const std::string& t) { return tok.encode(t, s.max_length); };
  text::TextDatasetOptions train_options{.seed = s.seed};
  if (s.augment) {
    const text::EDA eda(text::WordNet::load(), s.eda);
    train_options.transform = eda.transform();
    std::cout << "augmenting training e-mails with EDA (WordNet from " << text::WordNet::default_dir()
              << ")\n";
  }
  auto train_set = std::make_shared<text::TextClassificationDataset>(train, encode, train_options);
  auto test_set = std::make_shared<text::TextClassificationDataset>(test, encode);
  const data::Collate collate = text::pad_collate({.pad_id = pad});
  data::DataLoader train_loader(
      train_set, {.batch_size = s.batch_size, .shuffle = true, .seed = s.seed, .collate = collate});
  data::DataLoader test_loader(test_set, {.batch_size = 128, .collate = collate});

  auto model = std::make_shared<SpamNet>(s, tok.vocab_size(), pad);
  std::cout << fmt::format("model: embedding {} -> {}{} {} -> linear 2 ({} parameters, vocabulary {})\n",
                           s.embedding_dim, s.bidirectional ? "bidirectional " : "", s.cell, s.hidden_size,
                           model->num_parameters(), tok.vocab_size());
  optim::Adam opt(model->parameters(), {.lr = s.lr});
  const auto start = std::chrono::steady_clock::now();
  Scores scores{};
  for (int epoch = 1; epoch <= s.epochs; ++epoch) {
    double running = 0;
    int64_t n = 0;
    for (const data::Batch& b : train_loader) {
      const Tensor loss = F::cross_entropy((*model)(b.input), b.target);
      opt.zero_grad();
      loss.backward();
      optim::clip_grad_norm_(model->parameters(), 1.0);
      opt.step();
      running += loss.item();
      ++n;
    }
    scores = evaluate(*model, test_loader);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << fmt::format(
        "epoch {}: train loss {:.4f}  test accuracy {:.4f}  spam precision {:.4f} recall {:.4f} F1 {:.4f}  "
        "({:.0f}s)\n",
        epoch, running / static_cast<double>(std::max<int64_t>(n, 1)), scores.accuracy, scores.precision,
        scores.recall, scores.f1, secs);
  }
  std::filesystem::create_directories(s.out);
  const std::string checkpoint = s.out + "/model.safetensors";
  io::save_safetensors(checkpoint, model->state_dict(),
                       {{"tokenizer", tok.to_json()},
                        {"classes", "ham,spam"},
                        {"test_accuracy", fmt::format("{:.4f}", scores.accuracy)},
                        {"test_spam_f1", fmt::format("{:.4f}", scores.f1)}});
  std::cout << "saved " << checkpoint << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "spam_classifier: error: " << e.what() << "\n";
    return 1;
  }
}
