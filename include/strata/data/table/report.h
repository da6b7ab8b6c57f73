#pragma once
// StepReport: what one cleaning, encoding or synthesis step changed in a table, and why, so a report
// (e.g. `strata data clean --report report.md`) can say it per column.
#include <cstdint>
#include <string>
#include <vector>

namespace strata::data::table {

// One per-column change: e.g. {"age", "filled", 263, "median 28"}.
struct ColumnChange {
  std::string column;
  std::string action;  // filled, clipped, flagged, dropped, encoded, scaled, ...
  int64_t count = 0;   // cells (or rows) affected
  std::string detail;  // the value used or the reason
};

struct StepReport {
  std::string step;         // e.g. "drop_duplicates"
  std::string description;  // the step and its parameters, one line
  int64_t rows_before = 0, rows_after = 0;
  int64_t columns_before = 0, columns_after = 0;
  std::vector<int64_t> removed_rows;  // positions in the step's input table
  std::vector<std::string> removed_columns;
  std::vector<std::string> added_columns;
  std::vector<ColumnChange> changes;
  std::vector<std::string> notes;  // anything else worth saying (e.g. values left missing)

  // Sum of the counts of all changes.
  int64_t cells_changed() const;
  // A Markdown section: heading, description, row/column counts and a table of the per-column changes.
  std::string markdown() const;
};

// A whole Markdown report: a title, a summary line per step, then each step's section.
std::string report_markdown(const std::vector<StepReport>& steps,
                            const std::string& title = "Data cleaning report");

}  // namespace strata::data::table
