#include "strata/data/image/image_folder.h"

#include <gtest/gtest.h>

#include "data/image/image_test_util.h"

namespace strata::data::image {
namespace {

using testing::random_u8;
using testing::TempDir;
namespace fs = std::filesystem;

// root/zebra/{b.png, a.PNG, sub/c.png, notes.txt, .hidden.png}, root/ant/x.jpg, root/.cache/y.png
void make_tree(const TempDir& dir) {
  fs::create_directories(dir / "zebra/sub");
  fs::create_directories(dir / "ant");
  fs::create_directories(dir / ".cache");
  write_image(dir / "zebra/b.png", random_u8(3, 4, 5, 1));
  write_image(dir / "zebra/a.PNG", random_u8(3, 4, 5, 2));
  write_image(dir / "zebra/sub/c.png", random_u8(3, 4, 5, 3));
  write_image(dir / "zebra/.hidden.png", random_u8(3, 4, 5, 4));
  testing::write_bytes(dir / "zebra/notes.txt", {'h', 'i'});
  write_image(dir / "ant/x.jpg", random_u8(1, 4, 5, 5));
  write_image(dir / ".cache/y.png", random_u8(3, 4, 5, 6));
}

TEST(ImageFolder, FindsSortedClassesAndImagesRecursively) {
  TempDir dir;
  make_tree(dir);
  ImageFolder ds(dir.str());
  EXPECT_EQ(ds.classes(), (std::vector<std::string>{"ant", "zebra"}));
  ASSERT_EQ(ds.size(), 4);
  EXPECT_EQ(ds.samples()[0].path, dir / "ant/x.jpg");
  EXPECT_EQ(ds.samples()[0].label, 0);
  // Sorted paths within a class: a.PNG < b.png < sub/c.png; hidden files and other extensions are skipped.
  EXPECT_EQ(ds.samples()[1].path, dir / "zebra/a.PNG");
  EXPECT_EQ(ds.samples()[2].path, dir / "zebra/b.png");
  EXPECT_EQ(ds.samples()[3].path, dir / "zebra/sub/c.png");
  EXPECT_EQ(ds.targets().to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1, 1}));
  EXPECT_EQ(ds.class_index("zebra"), 1);
}

TEST(ImageFolder, GetDecodesToRgbF32ByDefault) {
  TempDir dir;
  make_tree(dir);
  ImageFolder ds(dir.str());
  const Example e = ds.get(2);
  EXPECT_EQ(e.input.dtype(), kFloat32);
  EXPECT_EQ(e.input.shape(), (Shape{3, 4, 5}));
  EXPECT_TRUE(allclose(e.input, random_u8(3, 4, 5, 1).to(kFloat32) / 255.0, 1e-6, 1e-7));
  EXPECT_EQ(e.target.dim(), 0);
  EXPECT_EQ(e.target.dtype(), kInt64);
  EXPECT_EQ(e.target.item(), 1.0);
  // The grey JPEG becomes three equal planes.
  const Tensor grey = ds.load(0);
  EXPECT_EQ(grey.shape(), (Shape{3, 4, 5}));
  EXPECT_TRUE(equal(grey.select(0, 0), grey.select(0, 2)));
}

TEST(ImageFolder, OptionsPickExtensionsChannelsAndDtype) {
  TempDir dir;
  make_tree(dir);
  // "ant" has only a JPEG: with .png alone that class is empty.
  EXPECT_ERROR_CONTAINS(ImageFolder(dir.str(), {.extensions = {".PNG"}}), "no image with extension .png",
                        "ant");
  fs::remove_all(dir / "ant");
  ImageFolder only(dir.str(), {.extensions = {".PNG"}, .channels = 1, .dtype = kUInt8});
  ASSERT_EQ(only.size(), 3);
  EXPECT_EQ(only.get(0).input.shape(), (Shape{1, 4, 5}));
  EXPECT_EQ(only.get(0).input.dtype(), kUInt8);
  ImageFolder stored(dir.str(), {.channels = 0, .dtype = kUInt8});
  EXPECT_EQ(stored.load(0).size(0), 3);
}

TEST(ImageFolder, CompositesAlphaOverTheBackground) {
  TempDir dir;
  fs::create_directories(dir / "c");
  // Pixel 0 fully transparent red, pixel 1 opaque blue, pixel 2 half-transparent black.
  const Tensor rgba = from_vector<uint8_t>({255, 0, 0, 0, 0, 0, 0, 255, 0, 0, 255, 128}, Shape{4, 1, 3});
  write_image(dir / "c/p.png", rgba);
  ImageFolder white(dir.str(), {.channels = 3, .dtype = kUInt8, .background = 1.0});
  EXPECT_EQ(white.load(0).to_vector<int64_t>(),
            (std::vector<int64_t>{255, 0, 127, 255, 0, 127, 255, 255, 127}));
  // Without a background alpha is dropped, like PIL's convert("RGB").
  ImageFolder dropped(dir.str(), {.channels = 3, .dtype = kUInt8});
  EXPECT_EQ(dropped.load(0).to_vector<int64_t>(), (std::vector<int64_t>{255, 0, 0, 0, 0, 0, 0, 255, 0}));
  ImageFolder grey(dir.str(), {.channels = 1, .dtype = kUInt8, .background = 0.0});
  EXPECT_EQ(grey.load(0).to_vector<int64_t>(), (std::vector<int64_t>{0, 28, 0}));
}

TEST(ImageFolder, WorksWithADataLoaderAndWorkers) {
  TempDir dir;
  for (const char* cls : {"a", "b", "c"}) {
    fs::create_directories(dir / cls);
    for (int i = 0; i < 5; ++i)
      write_image(dir / fmt::format("{}/{}.png", cls, i), random_u8(3, 6, 6, static_cast<uint64_t>(i)));
  }
  auto ds = std::make_shared<ImageFolder>(dir.str());
  DataLoader serial(ds, {.batch_size = 4, .shuffle = true, .seed = 3});
  DataLoader workers(ds, {.batch_size = 4, .shuffle = true, .seed = 3, .num_workers = 3});
  auto it = workers.begin();
  int64_t batches = 0;
  for (const Batch& b : serial) {
    ASSERT_FALSE(it == workers.end());
    EXPECT_TRUE(equal(b.input, it->input));
    EXPECT_TRUE(equal(b.target, it->target));
    EXPECT_EQ(b.input.size(1), 3);
    ++it;
    ++batches;
  }
  EXPECT_EQ(batches, 4);
}

TEST(ImageFolder, BadFoldersAndOptionsRaise) {
  TempDir dir;
  EXPECT_ERROR_CONTAINS(ImageFolder(dir / "missing"), "ImageFolder", dir / "missing", "does not exist");
  EXPECT_ERROR_CONTAINS(ImageFolder(dir.str()), "ImageFolder", "no class folders");
  fs::create_directories(dir / "empty");
  fs::create_directories(dir / "full");
  write_image(dir / "full/a.png", random_u8(3, 2, 2));
  EXPECT_ERROR_CONTAINS(ImageFolder(dir.str()), "no image with extension", "empty");
  fs::remove_all(dir / "empty");
  EXPECT_ERROR_CONTAINS(ImageFolder(dir.str(), {.extensions = {"png"}}),
                        "extension 'png' must start with a dot");
  EXPECT_ERROR_CONTAINS(ImageFolder(dir.str(), {.extensions = {}}), "no file extensions");
  EXPECT_ERROR_CONTAINS(ImageFolder(dir.str(), {.channels = 7}), "channels");
  EXPECT_ERROR_CONTAINS(ImageFolder(dir.str(), {.dtype = kInt64}), "dtype must be u8 or f32");
  EXPECT_ERROR_CONTAINS(ImageFolder(dir.str(), {.background = 2.0}), "background");
  ImageFolder ds(dir.str());
  EXPECT_ERROR_CONTAINS(ds.get(1), "index 1 is out of range", "size 1");
  EXPECT_ERROR_CONTAINS(ds.class_index("cat"), "unknown class 'cat'", "full");
  // A file that turns bad after the scan fails on get with its path.
  testing::write_bytes(dir / "full/a.png", {1, 2, 3});
  EXPECT_ERROR_CONTAINS(ds.get(0), dir / "full/a.png", "cannot decode");
}

}  // namespace
}  // namespace strata::data::image
