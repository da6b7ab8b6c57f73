#pragma once
// Tabular data sets that ship in Debian packages, fetched into the cache by `scripts/fetch-data tables`:
// Palmer Penguins (r-cran-palmerpenguins) and Titanic (the OpenML ARFF in python3-sklearn's test data).
#include <string>

#include "strata/data/table/table.h"

namespace strata::data::table {

// The folder the tables are read from first: $STRATA_DATA/tables when STRATA_DATA is set, else
// ~/.cache/strata/tables.
std::string tables_root();

// penguins.csv in tables_root(), else the installed package's
// /usr/lib/R/site-library/palmerpenguins/extdata/penguins.csv; throws naming both and the package when
// neither exists.
std::string penguins_path();
// data-v1-dl-16826755.arff.gz (the OpenML file name) in tables_root(), else python3-sklearn's
// /usr/lib/python3/dist-packages/sklearn/datasets/tests/data/openml/id_40945/data-v1-dl-16826755.arff.gz.
std::string titanic_path();

// 344 penguins: species, island, sex (categories), bill/flipper/body measurements and year; NA = missing.
Table load_penguins();
// 1309 Titanic passengers (OpenML 40945): pclass, survived {0,1}, name, sex, age, sibsp, parch, ticket,
// fare, cabin, embarked, boat, body, home.dest; '?' = missing.
Table load_titanic();

}  // namespace strata::data::table
