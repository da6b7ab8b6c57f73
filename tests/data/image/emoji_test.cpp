// The emoji set on a small folder laid out as scripts/fetch-data emoji writes it (the real set is 1906 images
// in ~/.cache/strata/emoji; the tests do not need it).
#include "strata/data/image/emoji.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "data/image/image_test_util.h"

namespace strata::data::image {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

// One transparent-cornered 8x8 RGBA image per category, plus a second one in "flags".
void make_emoji_tree(const TempDir& dir) {
  uint64_t seed = 1;
  for (const std::string& c : Emoji::categories()) {
    fs::create_directories(dir / c);
    Tensor img = testing::random_u8(4, 8, 8, seed++);
    img.set_at({3, 0, 0}, 0);  // a transparent pixel
    write_image(dir / (c + "/1f600.png"), img);
  }
  write_image(dir / "flags/1f1e6.png", testing::random_u8(4, 8, 8, 99));
}

TEST(Emoji, HasNineSortedCategories) {
  const auto& c = Emoji::categories();
  ASSERT_EQ(c.size(), 9u);
  EXPECT_TRUE(std::is_sorted(c.begin(), c.end()));
  EXPECT_EQ(c.front(), "activities");
  EXPECT_EQ(c.back(), "travel-places");
}

TEST(Emoji, ReadsTheFetchedLayoutAsRgbOverWhite) {
  TempDir dir;
  make_emoji_tree(dir);
  Emoji ds(dir.str());
  EXPECT_EQ(ds.size(), 10);
  EXPECT_EQ(ds.classes(), Emoji::categories());
  const Example e = ds.get(0);
  EXPECT_EQ(e.input.shape(), (Shape{3, 8, 8}));
  EXPECT_EQ(e.input.dtype(), kFloat32);
  EXPECT_EQ(e.target.item(), 0.0);
  // The transparent corner is white.
  for (int64_t ch = 0; ch < 3; ++ch) EXPECT_FLOAT_EQ(static_cast<float>(e.input.at({ch, 0, 0})), 1.0f);
  EXPECT_EQ(ds.get(3).target.item(), 2.0);  // flags holds samples 2 and 3
}

TEST(Emoji, RootComesFromStrataData) {
  const char* old = std::getenv("STRATA_DATA");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("STRATA_DATA", "/data/sets", 1);
  EXPECT_EQ(emoji_root(), "/data/sets/emoji");
  if (old != nullptr)
    ::setenv("STRATA_DATA", saved.c_str(), 1);
  else
    ::unsetenv("STRATA_DATA");
  EXPECT_NE(emoji_root().find("emoji"), std::string::npos);
}

TEST(Emoji, MissingOrForeignFoldersSayHowToFetch) {
  TempDir dir;
  EXPECT_ERROR_CONTAINS(Emoji(dir / "nothing"), "Emoji", dir / "nothing", "scripts/fetch-data emoji",
                        "emoji-datasource-google@16.0.0");
  make_emoji_tree(dir);
  fs::remove_all(dir / "symbols");
  EXPECT_ERROR_CONTAINS(Emoji(dir.str()), "missing or incomplete", "symbols");
  make_emoji_tree(dir);
  fs::create_directories(dir / "extra");
  write_image(dir / "extra/a.png", testing::random_u8(4, 8, 8));
  EXPECT_ERROR_CONTAINS(Emoji(dir.str()), "Emoji", "extra", "expected exactly");
}

}  // namespace
}  // namespace strata::data::image
