// The tuning loop: trials.csv / steps.csv / best.yaml / best_so_far.png, parallel trials with their thread
// share, resuming, pruning, failures, and the Trainer callback.
#include "strata/tune/tuner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/core/threading.h"
#include "strata/nn.h"
#include "strata/optim.h"
#include "strata/train/trainer.h"
#include "strata/tune/benchmarks.h"
#include "temp_path.h"

namespace strata::tune {
namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  return strata::testing::unique_temp_path("tune_test_" + name).string();
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

const Objective kMinLoss{"loss", false};

Metrics branin_metrics(const Trial& t) {
  return {{"loss", branin(to_double(t["x1"]), to_double(t["x2"]))}, {"other", 1.0}};
}

TEST(Tuner, RunsTheTrialsAndWritesTheFolder) {
  const std::string dir = temp_dir("files");
  RandomSearcher searcher(branin_space(), 1);
  int calls = 0;
  const TuneResult r = tune(searcher, [](Trial& t) { return branin_metrics(t); },
                            {.objective = kMinLoss,
                             .trials = 8,
                             .out_dir = dir,
                             .on_trial_end = [&](const TrialResult&, const TuneResult& so_far) {
                               EXPECT_EQ(so_far.trials.size(), static_cast<size_t>(++calls));
                             }});
  ASSERT_EQ(r.trials.size(), 8u);
  EXPECT_EQ(calls, 8);
  for (size_t i = 0; i < r.trials.size(); ++i) {
    EXPECT_EQ(r.trials[i].id, static_cast<int64_t>(i));
    EXPECT_EQ(r.trials[i].status, TrialStatus::Complete);
    EXPECT_EQ(r.trials[i].searcher, "random");
  }
  const TrialResult& best = r.best();
  for (const TrialResult& t : r.trials) EXPECT_LE(best.value, t.value);
  const std::vector<double> curve = r.best_so_far();
  ASSERT_EQ(curve.size(), 8u);
  EXPECT_EQ(curve.back(), best.value);
  for (size_t i = 1; i < curve.size(); ++i) EXPECT_LE(curve[i], curve[i - 1]);

  const std::vector<std::string> csv = lines_of(dir + "/trials.csv");
  ASSERT_EQ(csv.size(), 9u);
  EXPECT_EQ(csv[0], "trial,status,searcher,value,seconds,steps,x1,x2,loss,other,error");
  EXPECT_EQ(csv[1].rfind("0,complete,random,", 0), 0u) << csv[1];
  const std::string yaml = text_of(dir + "/best.yaml");
  EXPECT_NE(yaml.find(fmt::format("trial: {}", best.id)), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("metric: loss\nmode: min\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  x1: " + to_string(best.params.at("x1"))), std::string::npos) << yaml;
  EXPECT_TRUE(fs::exists(dir + "/best_so_far.png"));
  EXPECT_GT(fs::file_size(dir + "/best_so_far.png"), 1000u);
  // The CSV reads back exactly.
  const std::vector<TrialResult> back = read_trials_csv(dir + "/trials.csv", branin_space());
  ASSERT_EQ(back.size(), 8u);
  for (const TrialResult& t : back) {
    EXPECT_EQ(to_string(t.params), to_string(r.trials[static_cast<size_t>(t.id)].params));
    EXPECT_EQ(t.value, r.trials[static_cast<size_t>(t.id)].value);
    EXPECT_EQ(t.metrics.at("other"), 1.0);
  }
  fs::remove_all(dir);
}

TEST(Tuner, ParallelTrialsShareTheThreads) {
  RandomSearcher searcher(branin_space(), 2);
  std::atomic<int> running{0}, most{0};
  std::atomic<int> wrong_threads{0};
  const TuneResult r = tune(searcher,
                            [&](Trial& t) {
                              const int now = ++running;
                              int seen = most.load();
                              while (now > seen && !most.compare_exchange_weak(seen, now)) {
                              }
                              if (t.threads() != 2 || get_num_threads() != 2) ++wrong_threads;
                              std::this_thread::sleep_for(std::chrono::milliseconds(30));
                              --running;
                              return branin_metrics(t);
                            },
                            {.objective = kMinLoss, .trials = 6, .parallel = 2, .threads = 4});
  EXPECT_EQ(r.trials.size(), 6u);
  EXPECT_EQ(most.load(), 2);
  EXPECT_EQ(wrong_threads.load(), 0);
}

TEST(Tuner, BayesInParallelSuggestsDistinctConfigurations) {
  BayesSearcher searcher(branin_space(), {.seed = 3});
  const TuneResult r = tune(searcher, [](Trial& t) { return branin_metrics(t); },
                            {.objective = kMinLoss, .trials = 14, .parallel = 3, .threads = 3});
  std::set<std::string> seen;
  for (const TrialResult& t : r.trials) seen.insert(to_string(t.params));
  EXPECT_EQ(seen.size(), 14u);
  EXPECT_LT(r.best().value, 5.0);
}

TEST(Tuner, ResumesFromTrialsCsv) {
  const std::string dir = temp_dir("resume");
  const TuneOptions first{.objective = kMinLoss, .trials = 5, .out_dir = dir};
  {
    BayesSearcher s(branin_space(), {.seed = 1});
    tune(
        s, [](Trial& t) { return branin_metrics(t); }, first);
  }
  // An interrupted trial left steps behind but no row.
  std::ofstream(dir + "/steps.csv", std::ios::app) << "5,1,42\n";
  std::vector<int64_t> ran;
  BayesSearcher s(branin_space(), {.seed = 1});
  TuneOptions second = first;
  second.trials = 9;
  const TuneResult r = tune(
      s,
      [&](Trial& t) {
        ran.push_back(t.id());
        return branin_metrics(t);
      },
      second);
  EXPECT_EQ(ran, (std::vector<int64_t>{5, 6, 7, 8}));
  ASSERT_EQ(r.trials.size(), 9u);
  EXPECT_EQ(s.observations().size(), 9u);  // the 5 earlier trials were replayed into the searcher
  EXPECT_EQ(lines_of(dir + "/trials.csv").size(), 10u);
  for (const std::string& line : lines_of(dir + "/steps.csv")) EXPECT_NE(line, "5,1,42");
  // A finished run resumes to nothing new.
  BayesSearcher again(branin_space(), {.seed = 1});
  int more = 0;
  tune(
      again, [&](Trial& t) { return ++more, branin_metrics(t); }, second);
  EXPECT_EQ(more, 0);
  // resume = false starts over.
  RandomSearcher fresh(branin_space(), 0);
  second.resume = false;
  second.trials = 2;
  EXPECT_EQ(tune(
                fresh, [](Trial& t) { return branin_metrics(t); }, second)
                .trials.size(),
            2u);
  EXPECT_EQ(lines_of(dir + "/trials.csv").size(), 3u);
  // Another space does not fit the file.
  SearchSpace other;
  other.uniform("x1", -5, 10).uniform("depth", 0, 1);
  RandomSearcher mismatch(other, 0);
  second.resume = true;
  EXPECT_NE(error_of([&] {
              tune(
                  mismatch,
                  [](Trial&) {
                    return Metrics{{"loss", 1.0}};
                  },
                  second);
            }).find("was written for another search space: it has no column for parameter 'depth'"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(Tuner, PrunedTrialsStopEarlyAndAreRecorded) {
  const std::string dir = temp_dir("prune");
  RandomSearcher searcher(branin_space(), 4);
  SuccessiveHalvingPruner pruner({.min_resource = 1, .reduction_factor = 3, .max_resource = 9});
  const TuneResult r = tune(
      searcher,
      [](Trial& t) {
        const double final_loss = branin_metrics(t).at("loss");
        Metrics m;
        for (int epoch = 1; epoch <= 9; ++epoch) {
          m = {{"loss", final_loss + 10.0 / epoch}};
          if (t.report(epoch, m)) break;
        }
        return m;
      },
      {.objective = kMinLoss, .trials = 12, .out_dir = dir}, &pruner);
  int pruned = 0, complete = 0;
  for (const TrialResult& t : r.trials) {
    if (t.status == TrialStatus::Pruned) {
      ++pruned;
      EXPECT_LT(t.steps, 9);
    } else {
      ++complete;
      EXPECT_EQ(t.steps, 9);
    }
  }
  EXPECT_GT(pruned, 3);
  EXPECT_GE(complete, 1);
  EXPECT_EQ(r.best().status, TrialStatus::Complete);
  const std::vector<std::string> steps = lines_of(dir + "/steps.csv");
  EXPECT_EQ(steps[0], "trial,step,value");
  int total_steps = 0;
  for (const TrialResult& t : r.trials) total_steps += t.steps;
  EXPECT_EQ(static_cast<int>(steps.size()) - 1, total_steps);
  EXPECT_NE(text_of(dir + "/trials.csv").find(",pruned,"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Tuner, FailuresAreRecordedAndDoNotStopTheRun) {
  const std::string dir = temp_dir("fail");
  RandomSearcher searcher(branin_space(), 5);
  const TuneResult r = tune(searcher,
                            [](Trial& t) {
                              if (t.id() % 2 == 0) throw Error("out of memory, pretend");
                              return branin_metrics(t);
                            },
                            {.objective = kMinLoss, .trials = 6, .out_dir = dir});
  int failed = 0;
  for (const TrialResult& t : r.trials) {
    if (t.status == TrialStatus::Failed) {
      ++failed;
      EXPECT_EQ(t.error, "out of memory, pretend");
      EXPECT_TRUE(std::isnan(t.value));
    }
  }
  EXPECT_EQ(failed, 3);
  EXPECT_EQ(searcher.observations().size(), 3u);
  EXPECT_TRUE(searcher.pending().empty());
  // The failed trial 0 finished before any metrics were known; its row was still written.
  const std::vector<std::string> csv = lines_of(dir + "/trials.csv");
  ASSERT_EQ(csv.size(), 7u);
  EXPECT_NE(text_of(dir + "/trials.csv").find("0,failed,random,nan,"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Tuner, EveryTrialFailingIsAnError) {
  RandomSearcher searcher(branin_space(), 6);
  EXPECT_NE(error_of([&] {
              tune(searcher, [](Trial&) -> Metrics { throw Error("bad config"); },
                   {.objective = kMinLoss, .trials = 3});
            }).find("tune: every trial failed; trial 0 ({x1: "),
            std::string::npos);
}

TEST(Tuner, AMissingMetricFailsTheTrialWithItsName) {
  RandomSearcher searcher(branin_space(), 7);
  const std::string e = error_of([&] {
    tune(searcher, [](Trial&) { return Metrics{{"acc", 0.5}}; }, {.objective = kMinLoss, .trials = 2});
  });
  EXPECT_NE(e.find("trial 0 returned no 'loss' (returned: acc)"), std::string::npos) << e;
  Trial t(3, {{"x1", 1.0}}, kMinLoss);
  EXPECT_NE(error_of([&] {
              t.report(1, {{"acc", 1.0}});
            }).find("trial 3: step 1 reported no 'loss' (reported: acc)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { t["x9"]; }).find("trial 3: parameter 'x9' is not set (set: x1)"),
            std::string::npos);
}

TEST(Tuner, DivergedTrialsCountAsTheWorst) {
  SearchSpace s;
  s.uniform("x", 0, 1);
  RandomSearcher searcher(s, 8);
  const TuneResult r = tune(searcher,
                            [](Trial& t) {
                              return Metrics{{"loss", t.id() == 2 ? NAN : to_double(t["x"])}};
                            },
                            {.objective = kMinLoss, .trials = 4});
  EXPECT_EQ(r.trials[2].status, TrialStatus::Complete);
  EXPECT_TRUE(std::isnan(r.trials[2].value));
  EXPECT_NE(r.best().id, 2);
  double worst = 0;
  for (const Observation& o : searcher.observations()) {
    if (o.trial != 2) worst = std::max(worst, o.loss);
  }
  for (const Observation& o : searcher.observations()) {
    if (o.trial == 2) {
      EXPECT_LE(o.loss, worst);
    }
  }
  EXPECT_EQ(searcher.observations().size(), 4u);
}

TEST(Tuner, AFinishedGridEndsTheRun) {
  SearchSpace s;
  s.choice("a", {1, 2}).choice("b", {"x", "y"});
  GridSearcher grid(s);
  const TuneResult r = tune(grid,
                            [](Trial& t) {
                              return Metrics{{"accuracy", to_double(t["a"])}};
                            },
                            {.objective = {"accuracy", true}, .trials = 10, .parallel = 2});
  EXPECT_EQ(r.trials.size(), 4u);
  EXPECT_EQ(to_double(r.best().params.at("a")), 2.0);
}

TEST(Tuner, OptionErrors) {
  RandomSearcher searcher(branin_space(), 0);
  auto f = [](Trial& t) { return branin_metrics(t); };
  EXPECT_NE(
      error_of([&] { tune(searcher, f, {.trials = 0}); }).find("tune: trials must be at least 1, got 0"),
      std::string::npos);
  EXPECT_NE(
      error_of([&] { tune(searcher, f, {.trials = 1, .parallel = 0}); }).find("parallel must be at least 1"),
      std::string::npos);
  EXPECT_NE(error_of([&] { tune(searcher, {}, {.trials = 1}); }).find("the objective function is empty"),
            std::string::npos);
  EXPECT_NE(error_of([] { TuneResult().best(); }).find("tune: no trial completed"), std::string::npos);
}

TEST(ReadTrialsCsv, BadFilesNameTheLine) {
  const std::string dir = temp_dir("csv");
  fs::create_directories(dir);
  const std::string path = dir + "/trials.csv";
  std::ofstream(path) << "trial,status,value,x1,x2\n0,complete,1.5,2,3\n1,done,1,2,3\n";
  EXPECT_NE(error_of([&] {
              read_trials_csv(path, branin_space());
            }).find("trials.csv:3: unknown status 'done' (known: complete, pruned, failed)"),
            std::string::npos);
  std::ofstream(path) << "trial,status,value,x1,x2\n0,complete,1.5,2\n1,complete,1.5,2,3\n";
  EXPECT_NE(error_of([&] {
              read_trials_csv(path, branin_space());
            }).find("trials.csv:2: 4 fields, the header has 5"),
            std::string::npos);
  // A short last row is a run killed while appending: it is dropped (that trial runs again).
  std::ofstream(path) << "trial,status,value,x1,x2\n0,complete,1.5,2,3\n1,compl";
  EXPECT_EQ(read_trials_csv(path, branin_space()).size(), 1u);
  std::ofstream(path) << "trial,status,value,x1,x2\n0,complete,1.5,20,3\n";
  EXPECT_NE(
      error_of([&] {
        read_trials_csv(path, branin_space());
      }).find("trials.csv:2: the trial does not fit the search space: x1: 20.0 is outside [-5.0, 10.0]"),
      std::string::npos);
  std::ofstream(path) << "trial,status,x1,x2\n";
  EXPECT_NE(error_of([&] { read_trials_csv(path, branin_space()); }).find("has no column 'value'"),
            std::string::npos);
  fs::remove_all(dir);
}

// A pruner that stops every trial at its first report.
class StopAtOnce : public Pruner {
 public:
  std::string name() const override { return "stop"; }

 protected:
  bool decide(int64_t, int, double) override { return true; }
};

TEST(TrialReporter, StopsTheTrainerWhenPruned) {
  // A tiny regression model trained for up to 5 epochs; the pruner stops it after the first.
  Generator g(0);
  const Tensor x = randn({64, 3}, {}, &g), y = x.sum({1}, true);
  auto dataset = std::make_shared<data::TensorDataset>(x, y);
  SearchSpace s;
  s.loguniform("lr", 1e-3, 1e-1);
  RandomSearcher searcher(s, 0);
  StopAtOnce pruner;
  const TuneResult r = tune(
      searcher,
      [&](Trial& t) {
        auto model = nn::Linear(3, 1);
        data::DataLoader loader(dataset, {.batch_size = 16});
        train::Trainer trainer(model.ptr(), optim::SGD(model->parameters(), {.lr = to_double(t["lr"])}),
                               nn::MSELoss());
        trainer.fit(loader,
                    {.epochs = 5, .callbacks = {std::make_shared<TrialReporter>(t)}, .progress = false});
        EXPECT_EQ(trainer.epoch(), 1);
        return trainer.history().epochs.back();
      },
      {.objective = kMinLoss, .trials = 2}, &pruner);
  for (const TrialResult& t : r.trials) {
    EXPECT_EQ(t.status, TrialStatus::Pruned);
    EXPECT_EQ(t.steps, 1);
  }
}

TEST(PlotBestSoFar, OneLinePerSearcher) {
  const std::string dir = temp_dir("plot");
  plot_best_so_far(dir + "/curves.png", "loss", {{"bayes", {3, 2, 1}}, {"random", {3, 3, 2.5}}});
  EXPECT_TRUE(fs::exists(dir + "/curves.png"));
  EXPECT_NE(error_of([&] {
              plot_best_so_far(dir + "/none.png", "loss", {{"bayes", {}}});
            }).find("no complete trial"),
            std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace strata::tune
