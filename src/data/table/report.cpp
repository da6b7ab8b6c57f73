#include "strata/data/table/report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace strata::data::table {
namespace {

// Escapes the characters that would break a Markdown table cell.
std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

int64_t StepReport::cells_changed() const {
  int64_t n = 0;
  for (const auto& c : changes) n += c.count;
  return n;
}

std::string StepReport::markdown() const {
  std::string out = fmt::format("## {}\n\n", step);
  if (!description.empty()) out += description + "\n\n";
  out += fmt::format("- rows: {} -> {}", rows_before, rows_after);
  if (!removed_rows.empty()) out += fmt::format(" ({} removed)", removed_rows.size());
  out += fmt::format("\n- columns: {} -> {}\n", columns_before, columns_after);
  if (!removed_columns.empty())
    out += fmt::format("- removed columns: {}\n", fmt::join(removed_columns, ", "));
  if (!added_columns.empty()) out += fmt::format("- added columns: {}\n", fmt::join(added_columns, ", "));
  if (!removed_rows.empty()) {
    constexpr size_t kShown = 20;
    std::vector<int64_t> shown(
        removed_rows.begin(),
        removed_rows.begin() + static_cast<std::ptrdiff_t>(std::min(kShown, removed_rows.size())));
    out += fmt::format("- removed rows (0-based): {}{}\n", fmt::join(shown, ", "),
                       removed_rows.size() > kShown ? ", ..." : "");
  }
  for (const auto& n : notes) out += fmt::format("- {}\n", n);
  if (!changes.empty()) {
    out += "\n| column | action | count | detail |\n|---|---|---:|---|\n";
    for (const auto& c : changes) {
      out += fmt::format("| {} | {} | {} | {} |\n", cell(c.column), cell(c.action), c.count, cell(c.detail));
    }
  } else {
    out += "\nNo values changed.\n";
  }
  return out + "\n";
}

std::string report_markdown(const std::vector<StepReport>& steps, const std::string& title) {
  std::string out = fmt::format("# {}\n\n", title);
  if (!steps.empty()) {
    out += fmt::format("Input: {} rows x {} columns. Output: {} rows x {} columns.\n\n",
                       steps.front().rows_before, steps.front().columns_before, steps.back().rows_after,
                       steps.back().columns_after);
    for (size_t i = 0; i < steps.size(); ++i) {
      const auto& s = steps[i];
      out += fmt::format("{}. {}: {} cells changed, {} rows removed, {} columns removed, {} added\n", i + 1,
                         s.step, s.cells_changed(), s.removed_rows.size(), s.removed_columns.size(),
                         s.added_columns.size());
    }
    out += "\n";
  }
  for (const auto& s : steps) out += s.markdown();
  return out;
}

}  // namespace strata::data::table
