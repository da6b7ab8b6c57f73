#pragma once
// ARFF (Weka's attribute-relation file format) reading: @relation, @attribute (numeric, real, integer,
// nominal {a,b,...}, string, date), @data with '?' for missing values. Sparse data rows are refused.
#include <map>
#include <string>
#include <string_view>

#include "strata/data/table/table.h"

namespace strata::data::table {

struct ArffOptions {
  // Column types by name, replacing the declared ones after reading (e.g. a nominal {0,1} read as int).
  std::map<std::string, ColumnType> types{};
};

// Reads an ARFF file (gzip-compressed files too): numeric and real attributes become float columns,
// integer int, nominal category (levels in declared order), string and date string. Errors name the
// file, line and column.
Table read_arff(const std::string& path, const ArffOptions& options = {});
// Parses ARFF text; `source` names it in error messages.
Table parse_arff(std::string_view text, const ArffOptions& options = {},
                 const std::string& source = "<text>");

}  // namespace strata::data::table
