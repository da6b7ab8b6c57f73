#pragma once
// Helpers shared by the table tests: fixture paths, the pandas/sklearn golden values
// (tests/fixtures/table/golden.json, written by scripts/gen_fixtures_table.py) and column comparisons.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "data/data_test_util.h"
#include "strata/data/table/all.h"

namespace strata::data::table::testing {

inline std::string fixture(const std::string& name) {
  return std::string(STRATA_FIXTURES_DIR) + "/table/" + name;
}

// golden.json, parsed once.
inline const nlohmann::json& golden() {
  static const nlohmann::json j = [] {
    std::ifstream f(fixture("golden.json"));
    EXPECT_TRUE(f.good()) << "missing fixture " << fixture("golden.json");
    std::stringstream ss;
    ss << f.rdbuf();
    return nlohmann::json::parse(ss.str());
  }();
  return j;
}

// The 40-row mixed fixture (id, a, b, c, cat, text) as strata reads it.
inline Table mixed() { return read_csv(fixture("mixed.csv")); }

// Every cell of `c` equals the golden list (null = missing) within `tol` (relative and absolute).
inline void expect_column_near(const Column& c, const nlohmann::json& expected, double tol = 1e-9) {
  ASSERT_EQ(static_cast<size_t>(c.size()), expected.size()) << "column " << c.name();
  for (int64_t i = 0; i < c.size(); ++i) {
    const auto& e = expected[static_cast<size_t>(i)];
    if (e.is_null()) {
      EXPECT_TRUE(c.is_missing(i)) << "column " << c.name() << " row " << i << " should be missing, got "
                                   << c.text(i);
      continue;
    }
    ASSERT_FALSE(c.is_missing(i)) << "column " << c.name() << " row " << i << " should be " << e.dump();
    if (e.is_boolean()) {
      EXPECT_EQ(c.number(i) != 0, e.get<bool>()) << "column " << c.name() << " row " << i;
    } else if (e.is_string()) {
      EXPECT_EQ(c.text(i), e.get<std::string>()) << "column " << c.name() << " row " << i;
    } else {
      const double want = e.get<double>();
      EXPECT_NEAR(c.number(i), want, tol * std::max(1.0, std::abs(want)))
          << "column " << c.name() << " row " << i;
    }
  }
}

// A temporary folder removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("strata_table_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Writes `text` to a file in the folder and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(file(name), std::ios::binary) << text;
    return file(name);
  }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::filesystem::path path_;
};

}  // namespace strata::data::table::testing
