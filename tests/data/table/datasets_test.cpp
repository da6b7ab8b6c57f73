#include "strata/data/table/datasets.h"

#include <cstdlib>
#include <optional>

#include "data/table/table_test_util.h"

namespace strata::data::table {
namespace {

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(DatasetsTest, ReadsFromStrataDataFirst) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.file("root/tables"));
  ScopedEnv env("STRATA_DATA", dir.file("root"));
  EXPECT_EQ(tables_root(), dir.file("root/tables"));
  dir.write("root/tables/penguins.csv", "species,bill_length_mm\nAdelie,39.1\nGentoo,NA\n");
  EXPECT_EQ(penguins_path(), dir.file("root/tables/penguins.csv"));
  Table p = load_penguins();
  EXPECT_EQ(p.num_rows(), 2);
  EXPECT_EQ(p["bill_length_mm"].missing_count(), 1);
  dir.write("root/tables/data-v1-dl-16826755.arff.gz",
            "@relation d\n@attribute pclass numeric\n@attribute survived {0,1}\n@data\n1,1\n3,?\n");
  Table t = load_titanic();  // a plain file under the .gz name reads too
  EXPECT_EQ(t["survived"].levels(), (std::vector<std::string>{"0", "1"}));
  EXPECT_TRUE(t["survived"].is_missing(1));
}

TEST(DatasetsTest, MissingDataNamesThePackageAndTheFetchScript) {
  testing::TempDir dir;
  ScopedEnv env("STRATA_DATA", dir.file("nothing-here"));
  if (!std::filesystem::exists("/usr/lib/R/site-library/palmerpenguins/extdata/penguins.csv")) {
    EXPECT_ERROR_CONTAINS(penguins_path(), "penguins_path", "nothing-here/tables/penguins.csv",
                          "r-cran-palmerpenguins", "scripts/fetch-data tables");
  } else {
    EXPECT_EQ(penguins_path(), "/usr/lib/R/site-library/palmerpenguins/extdata/penguins.csv");
  }
  if (!std::filesystem::exists("/usr/lib/python3/dist-packages/sklearn/datasets/tests/data/openml/id_40945/"
                               "data-v1-dl-16826755.arff.gz")) {
    EXPECT_ERROR_CONTAINS(titanic_path(), "titanic_path", "python3-sklearn", "scripts/fetch-data tables");
  } else {
    EXPECT_NE(titanic_path().find("/usr/lib/python3/dist-packages/sklearn"), std::string::npos);
  }
}

}  // namespace
}  // namespace strata::data::table
