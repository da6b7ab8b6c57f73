#include "strata/tune/tuner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "strata/core/error.h"
#include "strata/core/threading.h"
#include "strata/train/plot.h"
#include "strata/train/trainer.h"

namespace strata::tune {
namespace {

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Splits one CSV record (RFC 4180 quoting; no newlines inside fields).
std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"', ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur), cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::string number_text(double v) { return std::isfinite(v) ? fmt::format("{}", v) : "nan"; }

double parse_double(const std::string& s, const std::string& where) {
  if (s == "nan" || s.empty()) return kNaN;
  try {
    size_t used = 0;
    const double v = std::stod(s, &used);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  STRATA_FAIL("{}: '{}' is not a number", where, s);
}

TrialStatus parse_status(const std::string& s, const std::string& where) {
  if (s == "complete") return TrialStatus::Complete;
  if (s == "pruned") return TrialStatus::Pruned;
  if (s == "failed") return TrialStatus::Failed;
  STRATA_FAIL("{}: unknown status '{}' (known: complete, pruned, failed)", where, s);
}

// One line per error message in the CSV.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

}  // namespace

std::string to_string(TrialStatus status) {
  switch (status) {
    case TrialStatus::Complete:
      return "complete";
    case TrialStatus::Pruned:
      return "pruned";
    case TrialStatus::Failed:
      return "failed";
  }
  return "?";
}

// ---- Trial ------------------------------------------------------------------------------------------------

Trial::Trial(int64_t id, Assignment params, Objective objective, int threads)
    : id_(id), params_(std::move(params)), objective_(std::move(objective)), threads_(threads) {}

const Value& Trial::operator[](const std::string& name) const {
  auto it = params_.find(name);
  if (it != params_.end()) return it->second;
  std::string known;
  for (const auto& [k, v] : params_) known += (known.empty() ? "" : ", ") + k;
  STRATA_FAIL("trial {}: parameter '{}' is not set (set: {})", id_, name, known.empty() ? "none" : known);
}

bool Trial::report(int step, const Metrics& metrics) {
  STRATA_CHECK(step >= 1, "trial {}: steps count from 1, got {}", id_, step);
  auto it = metrics.find(objective_.metric);
  if (it == metrics.end()) {
    std::string known;
    for (const auto& [k, v] : metrics) known += (known.empty() ? "" : ", ") + k;
    STRATA_FAIL("trial {}: step {} reported no '{}' (reported: {})", id_, step, objective_.metric,
                known.empty() ? "nothing" : known);
  }
  steps_ = step;
  last_ = metrics;
  if (on_step_) on_step_(step, it->second);
  if (pruner_ && !pruned_) {
    const double loss = objective_.maximize ? -it->second : it->second;
    pruned_ = pruner_->report(id_, step, loss);
  }
  return pruned_;
}

void TrialReporter::on_epoch_end(train::Trainer& trainer, int epoch, const train::Logs& logs) {
  if (trial_.report(epoch, logs)) trainer.stop_training();
}

// ---- results ----------------------------------------------------------------------------------------------

const TrialResult& TuneResult::best() const {
  const TrialResult* best = nullptr;
  for (const TrialResult& t : trials) {
    if (t.status != TrialStatus::Complete || !std::isfinite(t.value)) continue;
    if (!best || (objective.maximize ? t.value > best->value : t.value < best->value)) best = &t;
  }
  STRATA_CHECK(best != nullptr, "tune: no trial completed ({} trials)", trials.size());
  return *best;
}

std::vector<double> TuneResult::best_so_far(const std::string& searcher) const {
  std::vector<double> out;
  double best = kNaN;
  for (const TrialResult& t : trials) {
    if (!searcher.empty() && t.searcher != searcher) continue;
    if (t.status == TrialStatus::Complete && std::isfinite(t.value)) {
      if (!std::isfinite(best) || (objective.maximize ? t.value > best : t.value < best)) best = t.value;
    }
    if (std::isfinite(best)) out.push_back(best);
  }
  return out;
}

void write_best_yaml(const std::string& path, const TuneResult& result) {
  const TrialResult& b = result.best();
  std::string text =
      fmt::format("# best trial of {} so far\ntrial: {}\nsearcher: {}\nmetric: {}\nmode: {}\nvalue: {}\n",
                  result.trials.size(), b.id, b.searcher, result.objective.metric,
                  result.objective.maximize ? "max" : "min", number_text(b.value));
  text += "params:\n";
  for (const auto& [k, v] : b.params) {
    const std::string s = to_string(v);
    // Text choices are quoted so that YAML keeps them as text ("true", "1e-3", ...).
    text += fmt::format("  {}: {}\n", k, std::holds_alternative<std::string>(v) ? "\"" + s + "\"" : s);
  }
  text += "metrics:\n";
  for (const auto& [k, v] : b.metrics) text += fmt::format("  {}: {}\n", k, number_text(v));
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
    STRATA_CHECK(out.good(), "tune: cannot write {}", tmp);
  }
  fs::rename(tmp, path);
}

void plot_best_so_far(const std::string& path, const std::string& metric,
                      const std::vector<std::pair<std::string, std::vector<double>>>& curves) {
  std::vector<train::Series> series;
  for (const auto& [name, values] : curves) {
    if (!values.empty()) series.push_back({name, values});
  }
  STRATA_CHECK(!series.empty(), "tune: no complete trial to plot in {}", path);
  train::plot_line_panels(path, {{"best " + metric + " so far (x: trial)", series}}, 640, 400);
}

std::vector<TrialResult> read_trials_csv(const std::string& path, const SearchSpace& space) {
  std::ifstream in(path);
  STRATA_CHECK(in.good(), "tune: cannot read {}", path);
  std::string line;
  STRATA_CHECK(static_cast<bool>(std::getline(in, line)), "tune: {} is empty", path);
  const std::vector<std::string> header = csv_split(line);
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* required : {"trial", "status", "value"}) {
    STRATA_CHECK(col.count(required), "tune: {} has no column '{}'", path, required);
  }
  for (const Param& p : space.params()) {
    STRATA_CHECK(col.count(p.name),
                 "tune: {} was written for another search space: it has no column for parameter '{}'", path,
                 p.name);
  }
  static const std::set<std::string> fixed{"trial",   "status", "searcher", "value",
                                           "seconds", "steps",  "error"};
  std::vector<std::string> records;
  while (std::getline(in, line)) records.push_back(line);
  std::vector<TrialResult> out;
  for (size_t k = 0; k < records.size(); ++k) {
    line = records[k];
    const int line_no = static_cast<int>(k) + 2;
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string> f = csv_split(line);
    const std::string where = fmt::format("{}:{}", path, line_no);
    // A run killed while appending leaves a short last row: that trial is simply run again.
    if (k + 1 == records.size() && f.size() < header.size()) break;
    STRATA_CHECK(f.size() == header.size(), "{}: {} fields, the header has {}", where, f.size(),
                 header.size());
    auto get = [&](const std::string& name) { return col.count(name) ? f[col[name]] : std::string(); };
    TrialResult r;
    const double id = parse_double(get("trial"), where + ": trial");
    STRATA_CHECK(std::isfinite(id) && id >= 0 && id == std::floor(id), "{}: trial '{}' is not a trial number",
                 where, get("trial"));
    r.id = static_cast<int64_t>(id);
    r.status = parse_status(get("status"), where);
    r.searcher = get("searcher");
    r.value = parse_double(get("value"), where + ": value");
    r.seconds = col.count("seconds") ? parse_double(get("seconds"), where + ": seconds") : 0.0;
    const double steps = col.count("steps") ? parse_double(get("steps"), where + ": steps") : 0.0;
    r.steps = std::isfinite(steps) ? static_cast<int>(steps) : 0;
    r.error = get("error");
    std::map<std::string, std::string> text;
    for (const Param& p : space.params()) text[p.name] = get(p.name);
    r.params = space.parse(text);
    try {
      space.validate(r.params);
    } catch (const Error& e) {
      STRATA_FAIL("{}: the trial does not fit the search space: {}", where, e.what());
    }
    for (size_t i = 0; i < header.size(); ++i) {
      if (fixed.count(header[i]) || space.has(header[i]) || f[i].empty()) continue;
      r.metrics[header[i]] = parse_double(f[i], where + ": " + header[i]);
    }
    out.push_back(std::move(r));
  }
  return out;
}

// ---- the loop ---------------------------------------------------------------------------------------------

class TunerRun {
 public:
  TunerRun(Searcher& searcher, const ObjectiveFn& objective, const TuneOptions& options, Pruner* pruner)
      : searcher_(searcher), objective_(objective), options_(options), pruner_(pruner) {
    STRATA_CHECK(options.trials >= 1, "tune: trials must be at least 1, got {}", options.trials);
    STRATA_CHECK(options.parallel >= 1, "tune: parallel must be at least 1, got {}", options.parallel);
    STRATA_CHECK(options.threads >= 0, "tune: threads must be >= 0, got {}", options.threads);
    STRATA_CHECK(!options.objective.metric.empty(), "tune: the objective has no metric name");
    STRATA_CHECK(static_cast<bool>(objective), "tune: the objective function is empty");
    result_.objective = options.objective;
  }

  TuneResult run() {
    if (!options_.out_dir.empty()) open_files();
    const int workers = std::min(options_.parallel, std::max(1, options_.trials - launched_));
    const int total_threads = options_.threads > 0 ? options_.threads : get_num_threads();
    const int per_trial = std::max(1, total_threads / workers);
    if (launched_ < options_.trials) {
      std::vector<std::thread> pool;
      for (int w = 0; w < workers; ++w) pool.emplace_back([this, per_trial] { worker(per_trial); });
      for (std::thread& t : pool) t.join();
    }
    if (failure_) std::rethrow_exception(failure_);
    if (!options_.out_dir.empty()) finish_files();
    std::sort(result_.trials.begin(), result_.trials.end(),
              [](const TrialResult& a, const TrialResult& b) { return a.id < b.id; });
    const bool any = std::any_of(result_.trials.begin(), result_.trials.end(),
                                 [](const TrialResult& t) { return t.status != TrialStatus::Failed; });
    if (!any && !result_.trials.empty()) {
      const auto& first =
          *std::min_element(result_.trials.begin(), result_.trials.end(),
                            [](const TrialResult& a, const TrialResult& b) { return a.id < b.id; });
      STRATA_FAIL("tune: every trial failed; trial {} ({}): {}", first.id, to_string(first.params),
                  first.error);
    }
    return result_;
  }

 private:
  double loss_of(double value) const { return options_.objective.maximize ? -value : value; }

  void worker(int threads) {
    set_num_threads(threads);
    while (true) {
      int64_t id = 0;
      Assignment params;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (failure_ || exhausted_ || launched_ >= options_.trials) return;
        id = next_id_++;
        try {
          std::optional<Assignment> a = searcher_.suggest(id);
          if (!a) {
            exhausted_ = true;
            return;
          }
          params = std::move(*a);
        } catch (...) {
          failure_ = std::current_exception();
          return;
        }
        ++launched_;
      }
      TrialResult r = run_trial(id, params, threads);
      std::lock_guard<std::mutex> lock(mutex_);
      try {
        record(std::move(r));
      } catch (...) {
        failure_ = std::current_exception();
        return;
      }
    }
  }

  TrialResult run_trial(int64_t id, const Assignment& params, int threads) {
    Trial trial(id, params, options_.objective, threads);
    trial.pruner_ = pruner_;
    trial.on_step_ = [this, id](int step, double value) {
      if (!steps_file_.is_open()) return;
      std::lock_guard<std::mutex> lock(mutex_);
      steps_file_ << id << "," << step << "," << number_text(value) << "\n" << std::flush;
    };
    TrialResult r;
    r.id = id;
    r.searcher = searcher_.name();
    r.params = params;
    const auto start = std::chrono::steady_clock::now();
    try {
      r.metrics = objective_(trial);
      r.status = trial.pruned() ? TrialStatus::Pruned : TrialStatus::Complete;
      const Metrics& source = r.metrics.count(options_.objective.metric) ? r.metrics : trial.last_metrics();
      auto it = source.find(options_.objective.metric);
      if (it == source.end()) {
        std::string known;
        for (const auto& [k, v] : r.metrics) known += (known.empty() ? "" : ", ") + k;
        STRATA_FAIL("trial {} returned no '{}' (returned: {})", id, options_.objective.metric,
                    known.empty() ? "nothing" : known);
      }
      r.value = it->second;
    } catch (const std::exception& e) {
      r.status = TrialStatus::Failed;
      r.value = kNaN;
      r.error = one_line(e.what());
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.steps = trial.steps();
    return r;
  }

  // Under the lock: tell the searcher, write the files, call back.
  void record(TrialResult r) {
    teach(r);
    result_.trials.push_back(r);
    if (!options_.out_dir.empty()) {
      write_row(r);
      if (has_complete()) write_best_yaml(options_.out_dir + "/best.yaml", sorted_result());
    }
    if (options_.on_trial_end) options_.on_trial_end(r, result_);
  }

  // Tells the searcher how a trial went.
  void teach(const TrialResult& r) {
    if (r.status == TrialStatus::Failed) {
      searcher_.forget(r.id);
    } else if (std::isfinite(r.value)) {
      searcher_.observe(r.id, r.params, loss_of(r.value));
    } else {
      // A diverged trial (NaN) counts as the worst result seen so far.
      double worst = -std::numeric_limits<double>::infinity();
      for (const Observation& o : searcher_.observations()) worst = std::max(worst, o.loss);
      if (std::isfinite(worst)) {
        searcher_.observe(r.id, r.params, worst);
      } else {
        searcher_.forget(r.id);
      }
    }
  }

  bool has_complete() const {
    return std::any_of(result_.trials.begin(), result_.trials.end(), [](const TrialResult& t) {
      return t.status == TrialStatus::Complete && std::isfinite(t.value);
    });
  }

  TuneResult sorted_result() const {
    TuneResult s = result_;
    std::sort(s.trials.begin(), s.trials.end(),
              [](const TrialResult& a, const TrialResult& b) { return a.id < b.id; });
    return s;
  }

  // ---- files ----

  std::string trials_path() const { return options_.out_dir + "/trials.csv"; }
  std::string steps_path() const { return options_.out_dir + "/steps.csv"; }

  void open_files() {
    fs::create_directories(options_.out_dir);
    const SearchSpace& space = searcher_.space();
    if (options_.resume && fs::exists(trials_path())) {
      std::ifstream in(trials_path());
      std::string header;
      std::getline(in, header);
      columns_ = csv_split(header);
      for (TrialResult& r : read_trials_csv(trials_path(), space)) {
        next_id_ = std::max(next_id_, r.id + 1);
        ++launched_;
        teach(r);
        result_.trials.push_back(std::move(r));
      }
      header_written_ = true;
      replay_steps();
    } else {
      for (const char* f : {"/trials.csv", "/steps.csv", "/best.yaml", "/best_so_far.png"}) {
        fs::remove(options_.out_dir + f);
      }
    }
    const bool new_steps = !fs::exists(steps_path());
    steps_file_.open(steps_path(), std::ios::app);
    STRATA_CHECK(steps_file_.good(), "tune: cannot write {}", steps_path());
    if (new_steps) steps_file_ << "trial,step,value\n" << std::flush;
  }

  // Feeds the pruner the steps of finished trials and drops those of trials that were interrupted.
  void replay_steps() {
    if (!fs::exists(steps_path())) return;
    std::set<int64_t> finished;
    for (const TrialResult& r : result_.trials) finished.insert(r.id);
    std::ifstream in(steps_path());
    std::string line, kept = "trial,step,value\n";
    std::getline(in, line);
    while (std::getline(in, line)) {
      const std::vector<std::string> f = csv_split(line);
      if (f.size() != 3) continue;
      double id = 0, step = 0, value = 0;
      try {
        id = std::stod(f[0]), step = std::stod(f[1]), value = parse_double(f[2], steps_path());
      } catch (const std::exception&) {
        continue;
      }
      if (!finished.count(static_cast<int64_t>(id))) continue;
      kept += line + "\n";
      if (pruner_ && step >= 1)
        pruner_->report(static_cast<int64_t>(id), static_cast<int>(step), loss_of(value));
    }
    in.close();
    std::ofstream(steps_path()) << kept;
  }

  void write_header(const TrialResult& first) {
    columns_ = {"trial", "status", "searcher", "value", "seconds", "steps"};
    for (const Param& p : searcher_.space().params()) columns_.push_back(p.name);
    std::set<std::string> taken(columns_.begin(), columns_.end());
    taken.insert("error");
    std::set<std::string> metrics{options_.objective.metric};
    for (const auto& [k, v] : first.metrics) metrics.insert(k);
    for (const std::string& m : metrics) {
      if (!taken.count(m)) columns_.push_back(m);
    }
    columns_.push_back("error");
    std::ofstream out(trials_path(), std::ios::trunc);
    std::string line;
    for (const std::string& c : columns_) line += (line.empty() ? "" : ",") + csv_field(c);
    out << line << "\n";
    STRATA_CHECK(out.good(), "tune: cannot write {}", trials_path());
    header_written_ = true;
  }

  void write_row(const TrialResult& r) {
    // The metric columns come from the first trial with metrics; failed trials before it wait.
    if (!header_written_) {
      if (r.metrics.empty()) {
        unwritten_.push_back(r);
        return;
      }
      write_header(r);
      for (const TrialResult& w : unwritten_) append_row(w);
      unwritten_.clear();
    }
    append_row(r);
  }

  void append_row(const TrialResult& r) {
    std::string line;
    for (const std::string& c : columns_) {
      std::string v;
      if (c == "trial") {
        v = std::to_string(r.id);
      } else if (c == "status") {
        v = to_string(r.status);
      } else if (c == "searcher") {
        v = r.searcher;
      } else if (c == "value") {
        v = number_text(r.value);
      } else if (c == "seconds") {
        v = fmt::format("{:.3f}", r.seconds);
      } else if (c == "steps") {
        v = std::to_string(r.steps);
      } else if (c == "error") {
        v = r.error;
      } else if (auto p = r.params.find(c); searcher_.space().has(c)) {
        if (p != r.params.end()) v = to_string(p->second);
      } else if (auto m = r.metrics.find(c); m != r.metrics.end()) {
        v = number_text(m->second);
      }
      line += (line.empty() ? "" : ",") + csv_field(v);
    }
    std::ofstream out(trials_path(), std::ios::app);
    out << line << "\n";
    STRATA_CHECK(out.good(), "tune: cannot append to {}", trials_path());
  }

  void finish_files() {
    if (!header_written_ && !unwritten_.empty()) {
      TrialResult none;
      write_header(none);
      for (const TrialResult& w : unwritten_) append_row(w);
      unwritten_.clear();
    }
    const TuneResult sorted = sorted_result();
    if (!has_complete()) return;
    write_best_yaml(options_.out_dir + "/best.yaml", sorted);
    if (options_.plot) {
      std::vector<std::string> names;
      for (const TrialResult& t : sorted.trials) {
        if (!t.searcher.empty() && std::find(names.begin(), names.end(), t.searcher) == names.end()) {
          names.push_back(t.searcher);
        }
      }
      std::vector<std::pair<std::string, std::vector<double>>> curves;
      for (const std::string& n : names) curves.emplace_back(n, sorted.best_so_far(n));
      plot_best_so_far(options_.out_dir + "/best_so_far.png", options_.objective.metric, curves);
    }
  }

  Searcher& searcher_;
  const ObjectiveFn& objective_;
  const TuneOptions& options_;
  Pruner* pruner_;
  std::mutex mutex_;
  TuneResult result_;
  int64_t next_id_ = 0;
  int launched_ = 0;
  bool exhausted_ = false;
  std::exception_ptr failure_;
  std::vector<std::string> columns_;
  bool header_written_ = false;
  std::vector<TrialResult> unwritten_;
  std::ofstream steps_file_;
};

TuneResult tune(Searcher& searcher, const ObjectiveFn& objective, const TuneOptions& options,
                Pruner* pruner) {
  return TunerRun(searcher, objective, options, pruner).run();
}

}  // namespace strata::tune
