#pragma once
// The table pipeline shared by `strata train` on tables (table_data.cpp) and `strata data
// clean|split|describe` (data_command.cpp): reading CSV/ARFF files, checking column names, and running the
// steps of TableStepConfig through the library (strata/data/table/).
#include <string>
#include <utility>
#include <vector>

#include "config.h"
#include "strata/data/table/all.h"

namespace strata::cli {

// Checks a step's names and numbers with the library's parsers and makes its names canonical
// ("one_hot" -> "onehot"); throws strata::Error saying what is wrong (without a place: callers add it).
void check_table_step(TableStepConfig& step);

// `path` as given when it exists, else (relative paths) under `root`, then under the tables cache of
// `scripts/fetch-data tables`; throws naming every place looked at.
std::string find_table_file(const std::string& path, const std::string& root = {});

// Reads a CSV/TSV file (gzip too), or an ARFF file by its extension (.arff, .arff.gz). `na` replaces the CSV
// reader's missing-value tokens when not empty; `types` (column, type name) replaces inferred types.
data::table::Table read_table_file(const std::string& path, const std::vector<std::string>& na = {},
                                   const std::vector<std::pair<std::string, std::string>>& types = {});

// Throws "<where>: <what> '<column>' is not a column of <file> (did you mean ...?) (columns: ...)" unless
// the table has it.
void check_column(const data::table::Table& table, const std::string& column, const std::string& where,
                  const std::string& what, const std::string& file);

// Runs one cleaning step (not encode or scale) on `table` in place; `target` is never imputed, clipped or
// dropped as a column. Errors name the step's place.
data::table::StepReport run_cleaning_step(data::table::Table& table, const TableStepConfig& step,
                                          const std::string& target, uint64_t seed);

// The encoder or scaler of an encode/scale step, leaving `target` alone.
data::table::Encoder make_encoder(const TableStepConfig& step, const std::string& target);

}  // namespace strata::cli
