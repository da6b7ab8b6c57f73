#pragma once
// Exact duplicate rows: find them (pandas' duplicated) and drop them (drop_duplicates).
#include <string>
#include <vector>

#include "strata/data/table/report.h"
#include "strata/data/table/table.h"

namespace strata::data::table {

enum class Keep { First, Last, None };  // which copy of a duplicated row survives (None: no copy)

struct DuplicateOptions {
  std::vector<std::string> subset{};  // columns that decide equality (empty: all)
  Keep keep = Keep::First;
};

// One flag per row: true for the rows drop_duplicates would remove (missing equals missing).
std::vector<uint8_t> duplicated(const Table& table, const DuplicateOptions& options = {});
// Removes duplicate rows in place; the report lists the removed rows and, per kept row, how many copies went.
StepReport drop_duplicates(Table& table, const DuplicateOptions& options = {});

}  // namespace strata::data::table
