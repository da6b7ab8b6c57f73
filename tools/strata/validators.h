#pragma once
// Option validators of the `strata` command whose messages say what is wrong in plain words.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

namespace strata::cli {

// An option naming a file that must exist, with a message that says what the file is.
inline CLI::Validator existing_file(const std::string& what) {
  return CLI::Validator(
      [what](std::string& path) -> std::string {
        if (std::filesystem::is_regular_file(path)) return {};
        if (std::filesystem::exists(path)) return what + " " + path + " is not a file";
        return what + " " + path + " does not exist";
      },
      "");
}

// A number option that must be positive (or >= 0), with a message that says so in plain words.
inline CLI::Validator number_check(bool allow_zero, bool integer) {
  return CLI::Validator(
      [allow_zero, integer](std::string& text) -> std::string {
        if (integer && (text.empty() || text.find_first_not_of("-0123456789") != std::string::npos)) {
          return "'" + text + "' is not an integer";
        }
        double v = 0;
        size_t used = 0;
        try {
          v = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != text.size()) return "'" + text + "' is not a number";
        if (allow_zero ? v < 0 : v <= 0)
          return std::string("must be ") + (allow_zero ? ">= 0" : "positive") + ", got " + text;
        return {};
      },
      "");
}

}  // namespace strata::cli
