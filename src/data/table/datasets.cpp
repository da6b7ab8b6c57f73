#include "strata/data/table/datasets.h"

#include <cstdlib>
#include <filesystem>

#include "strata/core/error.h"
#include "strata/data/table/arff.h"
#include "strata/data/table/csv.h"

namespace strata::data::table {
namespace {

constexpr const char* kPenguinsSystem = "/usr/lib/R/site-library/palmerpenguins/extdata/penguins.csv";
constexpr const char* kTitanicSystem =
    "/usr/lib/python3/dist-packages/sklearn/datasets/tests/data/openml/id_40945/data-v1-dl-16826755.arff.gz";

std::string find(const char* what, const std::string& cached, const char* system, const char* package) {
  if (std::filesystem::exists(cached)) return cached;
  if (std::filesystem::exists(system)) return system;
  STRATA_FAIL(
      "{}: found neither {} nor {}; run scripts/fetch-data tables (it extracts the file from the Debian "
      "package {} "
      "into the cache) or install {}",
      what, cached, system, package, package);
}

}  // namespace

std::string tables_root() {
  if (const char* env = std::getenv("STRATA_DATA")) return std::string(env) + "/tables";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.cache/strata/tables";
}

std::string penguins_path() {
  return find("penguins_path", tables_root() + "/penguins.csv", kPenguinsSystem, "r-cran-palmerpenguins");
}

std::string titanic_path() {
  return find("titanic_path", tables_root() + "/data-v1-dl-16826755.arff.gz", kTitanicSystem,
              "python3-sklearn");
}

Table load_penguins() { return read_csv(penguins_path()); }

Table load_titanic() { return read_arff(titanic_path()); }

}  // namespace strata::data::table
