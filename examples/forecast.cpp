// Multi-step time-series forecasting with an LSTM on a real series: the weekly Mauna Loa atmospheric CO2
// record (1958-2001, ppm) that ships in the Debian package python3-statsmodels
// (statsmodels/datasets/co2/co2.csv; scripts/fetch-data co2 extracts it into the cache without installing the
// package). Sliding windows of `window` weeks predict the next `horizon` weeks at once; the last 20% of the
// series is the test period. The naive last-value forecast (every future week equals the last seen one) is
// reported beside it.
//
//   forecast [--csv PATH] [--window 52] [--horizon 13] [--hidden 32] [--epochs 40] [--threads N]
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "strata/core/threading.h"
#include "strata/data/dataloader.h"
#include "strata/nn.h"
#include "strata/nn/rnn.h"
#include "strata/optim/adam.h"
#include "strata/strata.h"

using namespace strata;

namespace {

std::string default_csv() {
  if (const char* env = std::getenv("STRATA_DATA")) return std::string(env) + "/co2/co2.csv";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.cache/strata/co2/co2.csv";
}

// The co2 column of "date,co2" rows; empty cells (59 missing weeks) are filled by linear interpolation.
std::vector<double> load_series(const std::string& path) {
  STRATA_CHECK(
      std::filesystem::exists(path),
      "forecast: {} is missing; run scripts/fetch-data co2 (it extracts statsmodels/datasets/co2/co2.csv "
      "from the Debian package python3-statsmodels) or pass --csv",
      path);
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  STRATA_CHECK(line.rfind("date,co2", 0) == 0, "forecast: {} does not start with the header 'date,co2'",
               path);
  std::vector<double> values;
  std::vector<bool> known;
  int64_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t comma = line.find(',');
    STRATA_CHECK(comma != std::string::npos, "forecast: {} line {} has no comma", path, line_no);
    const std::string cell = line.substr(comma + 1);
    if (cell.empty() || cell == "NA" || cell == "nan") {
      values.push_back(0.0);
      known.push_back(false);
      continue;
    }
    try {
      values.push_back(std::stod(cell));
    } catch (const std::exception&) {
      STRATA_FAIL("forecast: {} line {}: '{}' is not a number", path, line_no, cell);
    }
    known.push_back(true);
  }
  STRATA_CHECK(values.size() > 200, "forecast: {} holds only {} rows", path, values.size());
  // Interpolate the gaps between known neighbours (ends take the nearest known value).
  const auto n = static_cast<int64_t>(values.size());
  for (int64_t i = 0; i < n; ++i) {
    if (known[static_cast<size_t>(i)]) continue;
    int64_t a = i - 1, b = i + 1;
    while (b < n && !known[static_cast<size_t>(b)]) ++b;
    const size_t ua = static_cast<size_t>(a), ub = static_cast<size_t>(b);
    if (a < 0 && b >= n) STRATA_FAIL("forecast: {} has no values", path);
    if (a < 0) {
      values[static_cast<size_t>(i)] = values[ub];
    } else if (b >= n) {
      values[static_cast<size_t>(i)] = values[ua];
    } else {
      const double t = static_cast<double>(i - a) / static_cast<double>(b - a);
      values[static_cast<size_t>(i)] = values[ua] + t * (values[ub] - values[ua]);
    }
  }
  return values;
}

// Window ending at t (inclusive): inputs z[t-W+1..t] - z[t], targets z[t+1..t+H] - z[t] (normalised).
void make_windows(const std::vector<double>& z, int64_t first_end, int64_t last_end, int64_t window,
                  int64_t horizon, Tensor& inputs, Tensor& targets, std::vector<int64_t>& ends) {
  std::vector<float> x, y;
  ends.clear();
  for (int64_t t = first_end; t <= last_end; ++t) {
    const double last = z[static_cast<size_t>(t)];
    for (int64_t k = t - window + 1; k <= t; ++k)
      x.push_back(static_cast<float>(z[static_cast<size_t>(k)] - last));
    for (int64_t h = 1; h <= horizon; ++h)
      y.push_back(static_cast<float>(z[static_cast<size_t>(t + h)] - last));
    ends.push_back(t);
  }
  const auto n = static_cast<int64_t>(ends.size());
  inputs = from_vector(x, Shape{n, window, 1});
  targets = from_vector(y, Shape{n, horizon});
}

class Forecaster : public nn::Module {
 public:
  Forecaster(int64_t hidden, int64_t horizon) : Module("Forecaster") {
    lstm_ = register_module("lstm", nn::LSTM(1, hidden, {.batch_first = true}).ptr());
    head_ = register_module("head", nn::Linear(hidden, horizon).ptr());
  }
  // [B, window, 1] -> [B, horizon]: the LSTM's state after the last step through a linear layer.
  Tensor forward(const Tensor& x) override {
    const Tensor out = lstm_->forward(x);
    return head_->forward(out.select(1, out.size(1) - 1));
  }

 private:
  std::shared_ptr<nn::LSTMImpl> lstm_;
  std::shared_ptr<nn::LinearImpl> head_;
};

int run(int argc, char** argv) {
  std::string csv = default_csv();
  int64_t window = 52, horizon = 13, hidden = 32;
  int epochs = 40;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    STRATA_CHECK(i + 1 < argc, "forecast: {} needs a value", flag);
    const std::string value = argv[i + 1];
    if (flag == "--csv") {
      csv = value;
    } else if (flag == "--window") {
      window = std::stoll(value);
    } else if (flag == "--horizon") {
      horizon = std::stoll(value);
    } else if (flag == "--hidden") {
      hidden = std::stoll(value);
    } else if (flag == "--epochs") {
      epochs = std::stoi(value);
    } else if (flag == "--threads") {
      set_num_threads(std::stoi(value));
    } else {
      STRATA_FAIL(
          "forecast: unknown option {} (options: --csv, --window, --horizon, --hidden, --epochs, --threads)",
          flag);
    }
  }
  STRATA_CHECK(window > 1 && horizon > 0 && hidden > 0 && epochs > 0,
               "forecast: window must be > 1 and horizon, hidden and epochs positive");
  manual_seed(0);
  const std::vector<double> y = load_series(csv);
  const auto n = static_cast<int64_t>(y.size());
  const int64_t split = n * 8 / 10;  // weeks [0, split) train, [split, n) test
  STRATA_CHECK(split > window + horizon && n - split > horizon,
               "forecast: the series is too short for window {} and horizon {}", window, horizon);
  double mean = 0, var = 0;
  for (int64_t i = 0; i < split; ++i) mean += y[static_cast<size_t>(i)];
  mean /= static_cast<double>(split);
  for (int64_t i = 0; i < split; ++i) var += std::pow(y[static_cast<size_t>(i)] - mean, 2);
  const double scale = std::sqrt(var / static_cast<double>(split));
  std::vector<double> z(y.size());
  for (size_t i = 0; i < y.size(); ++i) z[i] = (y[i] - mean) / scale;

  Tensor train_x, train_y, test_x, test_y;
  std::vector<int64_t> train_ends, test_ends;
  // Training windows see and predict only training weeks; test windows predict only test weeks.
  make_windows(z, window - 1, split - 1 - horizon, window, horizon, train_x, train_y, train_ends);
  make_windows(z, split - 1, n - 1 - horizon, window, horizon, test_x, test_y, test_ends);
  std::cout << fmt::format(
      "Mauna Loa CO2, weekly: {} weeks ({:.1f} to {:.1f} ppm); window {} weeks, horizon {} weeks; {} "
      "training and "
      "{} test windows\n",
      n, *std::min_element(y.begin(), y.end()), *std::max_element(y.begin(), y.end()), window, horizon,
      train_ends.size(), test_ends.size());

  auto model = std::make_shared<Forecaster>(hidden, horizon);
  optim::Adam opt(model->parameters(), {.lr = 3e-3});
  auto train_set = std::make_shared<data::TensorDataset>(train_x, train_y);
  data::DataLoader loader(train_set, {.batch_size = 32, .shuffle = true, .seed = 0});
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    double total = 0;
    int64_t batches = 0;
    for (const data::Batch& b : loader) {
      const Tensor loss = F::mse_loss((*model)(b.input), b.target);
      opt.zero_grad();
      loss.backward();
      opt.step();
      total += loss.item();
      ++batches;
    }
    if (epoch % 10 == 0 || epoch == epochs) {
      std::cout << fmt::format("epoch {}: train MSE (normalised) {:.5f}\n", epoch,
                               total / static_cast<double>(batches));
    }
  }

  // Errors in ppm per horizon step on the test period.
  NoGradGuard no_grad;
  model->eval();
  const std::vector<float> pred = (*model)(test_x).to_vector<float>();
  std::vector<double> mae_lstm(static_cast<size_t>(horizon)), mae_naive(static_cast<size_t>(horizon));
  double se_lstm = 0, se_naive = 0;
  for (size_t w = 0; w < test_ends.size(); ++w) {
    const int64_t t = test_ends[w];
    for (int64_t h = 1; h <= horizon; ++h) {
      const double truth = y[static_cast<size_t>(t + h)];
      const double lstm = y[static_cast<size_t>(t)] +
                          scale * pred[w * static_cast<size_t>(horizon) + static_cast<size_t>(h - 1)];
      const double naive = y[static_cast<size_t>(t)];
      mae_lstm[static_cast<size_t>(h - 1)] += std::abs(lstm - truth);
      mae_naive[static_cast<size_t>(h - 1)] += std::abs(naive - truth);
      se_lstm += (lstm - truth) * (lstm - truth);
      se_naive += (naive - truth) * (naive - truth);
    }
  }
  const auto count = static_cast<double>(test_ends.size());
  std::cout << "test MAE (ppm) by weeks ahead:   LSTM   naive last value\n";
  double sum_lstm = 0, sum_naive = 0;
  for (int64_t h = 0; h < horizon; ++h) {
    const double a = mae_lstm[static_cast<size_t>(h)] / count, b = mae_naive[static_cast<size_t>(h)] / count;
    sum_lstm += a;
    sum_naive += b;
    if (h == 0 || (h + 1) % 4 == 0 || h + 1 == horizon) {
      std::cout << fmt::format("  {:>2} week{}                      {:6.3f}   {:6.3f}\n", h + 1,
                               h == 0 ? " " : "s", a, b);
    }
  }
  const double cells = count * static_cast<double>(horizon);
  std::cout << fmt::format(
      "mean over {} weeks ahead: MAE LSTM {:.3f} ppm vs naive {:.3f} ppm; RMSE LSTM {:.3f} vs "
      "naive {:.3f}\n",
      horizon, sum_lstm / static_cast<double>(horizon), sum_naive / static_cast<double>(horizon),
      std::sqrt(se_lstm / cells), std::sqrt(se_naive / cells));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "forecast: error: " << e.what() << "\n";
    return 1;
  }
}
