// Spoken digit strings: a CRNN (conv front end, bidirectional GRU) trained with CTC on strings of 3-7 digits
// synthesised by espeak-ng (scripts/fetch-data speech), evaluated on strings in voices it never heard with
// greedy and beam-search decoding: character (digit) and word error rates, and whole strings right.
//
//   spoken_digit_strings [--epochs N] [--limit N] [--beam N] [--out DIR] [--threads N]
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include "strata/core/threading.h"
#include "strata/io/safetensors.h"
#include "strata/models/crnn_training.h"
#include "strata/strata.h"

using namespace strata;

int main(int argc, char** argv) {
  int64_t epochs = 30, limit = 0, beam = 8;
  std::string out = "runs/spoken_digit_strings";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--epochs")
      epochs = std::stoll(v);
    else if (a == "--limit")
      limit = std::stoll(v);
    else if (a == "--beam")
      beam = std::stoll(v);
    else if (a == "--out")
      out = v;
    else if (a == "--threads")
      set_num_threads(std::stoi(v));
    else {
      std::cerr
          << "usage: spoken_digit_strings [--epochs N] [--limit N] [--beam N] [--out DIR] [--threads N]\n";
      return 2;
    }
  }
  try {
    const auto start = std::chrono::steady_clock::now();
    const auto train = data::audio::digit_strings("train", {.limit = limit});
    const auto test = data::audio::digit_strings("test");
    std::cout << fmt::format("{} training strings, {} test strings (unseen voices), features {}\n",
                             train.transcripts.size(), test.transcripts.size(), train.features.shape().str());
    manual_seed(0);
    models::CRNN model(40, 11);
    models::fit_ctc(model, train,
                    {.epochs = epochs, .on_epoch = [&](int64_t epoch, double loss) {
                       const auto greedy = models::transcribe(model, test);
                       const auto e = models::transcript_errors(greedy, test.transcripts);
                       std::cout << fmt::format(
                                        "epoch {:3d}  ctc {:.4f}  test CER {:.4f}  WER {:.4f}  strings "
                                        "wrong {:.4f}\n",
                                        epoch, loss, e.cer, e.wer, e.string_error)
                                 << std::flush;
                     }});
    const auto greedy = models::transcribe(model, test);
    const auto beamed = models::transcribe(model, test, beam);
    const auto g = models::transcript_errors(greedy, test.transcripts);
    const auto b = models::transcript_errors(beamed, test.transcripts);
    std::cout << fmt::format("greedy:      CER {:.4f}  WER {:.4f}  strings wrong {:.4f}\n", g.cer, g.wer,
                             g.string_error);
    std::cout << fmt::format("beam {:2d}:     CER {:.4f}  WER {:.4f}  strings wrong {:.4f}\n", beam, b.cer,
                             b.wer, b.string_error);
    for (size_t i = 0; i < 5 && i < test.transcripts.size(); ++i)
      std::cout << fmt::format("  said {:<8} heard {}\n", test.transcripts[i], beamed[i]);
    std::filesystem::create_directories(out);
    io::save_safetensors(out + "/model.safetensors", model->state_dict());
    std::cout << fmt::format("{:.0f} s; weights in {}/model.safetensors\n",
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                             out);
  } catch (const Error& e) {
    std::cerr << "spoken_digit_strings: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
