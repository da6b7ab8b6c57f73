// Detection and segmentation from the command line: `strata train` on the shipped configs (shortened), then
// `strata detect` / `strata segment` score the test canvases well above chance and write their PNGs; and
// clear errors for a config of another kind of model.
#include "cli_util.h"

namespace strata::cli_test {
namespace {

// The value of `key` in a one-line JSON object of numbers.
double json_number(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\": ");
  EXPECT_NE(at, std::string::npos) << key << " in " << json;
  return at == std::string::npos ? -1.0 : std::stod(json.substr(at + key.size() + 4));
}

class VisionCli : public CliFixture {};

TEST_F(VisionCli, DetectorTrainsAndDrawsBoxes) {
  const std::string config = (configs_dir() / "fashion_detect.yaml").string();
  const CliResult t = run({"train", "-c", config, "--out", "run", "--no-progress", "--epochs", "3", "--set",
                           "data.limit=1200", "--set", "data.test_limit=200", "--threads", "2"});
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("val_map50"), std::string::npos) << t.out;
  const CliResult d = run({"detect", "-c", config, "--checkpoint", "run/last.safetensors", "--out",
                           "boxes.png", "--count", "4", "--threads", "2"});
  ASSERT_EQ(d.code, 0) << d.err;
  // Chance is ~0: boxes must land on the right item with the right class. A short run clears 0.25.
  EXPECT_GT(json_number(d.out, "map50"), 0.25) << d.out;
  EXPECT_GT(json_number(d.out, "map"), 0.1) << d.out;
  EXPECT_EQ(json_number(d.out, "images"), 500);  // the config's test_limit: detect scores the full test split
  const Tensor png = data::image::read_image((dir_ / "boxes.png").string());
  EXPECT_EQ(png.size(0), 3);
  EXPECT_GT(png.size(-1), 4 * 96 * 3 - 1);
}

TEST_F(VisionCli, SegmenterTrainsAndWritesOverlays) {
  // The pipeline only: a short U-Net run has not yet learnt to tell the classes apart (see docs/apps.md), so
  // this checks that train -> segment runs and reports well-formed figures, not their quality.
  const std::string config = (configs_dir() / "fashion_segment.yaml").string();
  const CliResult t = run({"train", "-c", config, "--out", "run", "--no-progress", "--epochs", "1", "--set",
                           "data.limit=64", "--set", "data.test_limit=50", "--threads", "2"});
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("val_miou"), std::string::npos) << t.out;
  const CliResult s = run({"segment", "-c", config, "--checkpoint", "run/last.safetensors", "--out",
                           "masks.png", "--count", "2", "--threads", "2"});
  ASSERT_EQ(s.code, 0) << s.err;
  const double accuracy = json_number(s.out, "pixel_accuracy"), miou = json_number(s.out, "miou");
  EXPECT_TRUE(accuracy >= 0 && accuracy <= 1) << s.out;
  EXPECT_TRUE(miou >= 0 && miou <= 1) << s.out;
  EXPECT_NE(s.out.find("\"background\": "), std::string::npos) << s.out;
  const Tensor png = data::image::read_image((dir_ / "masks.png").string());
  EXPECT_EQ(png.size(0), 3);
}

TEST_F(VisionCli, CommandsRefuseOtherModels) {
  write("lenet.yaml", "data: {dataset: fashion-mnist}\nmodel: lenet5\n");
  write("empty.safetensors", "");
  const CliResult d = run({"detect", "-c", "lenet.yaml", "--checkpoint", "empty.safetensors"});
  EXPECT_NE(d.code, 0);
  EXPECT_NE(d.err.find("not a detector"), std::string::npos) << d.err;
  const CliResult s = run({"segment", "-c", "lenet.yaml", "--checkpoint", "empty.safetensors"});
  EXPECT_NE(s.code, 0);
  EXPECT_NE(s.err.find("not a segmenter"), std::string::npos) << s.err;
}

}  // namespace
}  // namespace strata::cli_test
