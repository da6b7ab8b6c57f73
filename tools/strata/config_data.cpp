// Reader: the data section of a `strata train` config.
#include <set>

#include "config_reader.h"
#include "data_command.h"
#include "image_data.h"
#include "strata/data/image/spec.h"

namespace strata::cli::detail {

void Reader::read_data(const YAML::Node& node, DataConfig& d) const {
  check_section(node, "data", false);
  check_keys(
      node, "data",
      {"dataset", "root", "batch_size", "eval_batch_size", "normalize", "shuffle", "num_workers", "limit",
       "test_limit", "val_fraction", "text", "table", "image", "augment", "classes", "per_class", "range"});
  read(node, "data", "dataset", d.dataset);
  read(node, "data", "root", d.root);
  read(node, "data", "batch_size", d.batch_size);
  // A language model's evaluation batch holds batch * steps * vocabulary logits: as many as training's.
  d.eval_batch_size = 1000;
  const bool eval_batch_given = read(node, "data", "eval_batch_size", d.eval_batch_size);
  read(node, "data", "normalize", d.normalize);
  if (read_list(node, "data", "range", d.range)) {
    if (d.range.size() != 2 || !(d.range[0] < d.range[1]))
      fail(node["range"], "data.range", "field 'data.range' must be two numbers [lo, hi] with lo < hi");
    if (d.dataset != "fashion-mnist" && d.dataset != "mnist")
      fail(node["range"], "data.range",
           fmt::format("field 'data.range' applies to fashion-mnist and mnist, not '{}'", d.dataset));
    d.normalize = false;
  }
  read(node, "data", "shuffle", d.shuffle);
  read(node, "data", "num_workers", d.num_workers);
  read(node, "data", "limit", d.limit);
  read(node, "data", "test_limit", d.test_limit);
  read(node, "data", "val_fraction", d.val_fraction);
  auto at = [&](const char* key) { return node.IsMap() ? node[key] : node; };
  const std::set<std::string> datasets{"fashion-mnist", "mnist",       "image-folder", "emoji",
                                       "text-lm",       "text-folder", "table",        "translation",
                                       "spoken-digits", "spoken-digits-real",
                                       "fashion-detection", "fashion-segmentation"};
  if (!datasets.count(d.dataset)) {
    fail(at("dataset"), "data.dataset",
         fmt::format("unknown dataset '{}'{} (known: {})", d.dataset,
                     did_you_mean(d.dataset, std::vector<std::string>(datasets.begin(), datasets.end())),
                     join(datasets)));
  }
  // A missing data.text or data.table section is reported at the line that asked for it.
  const YAML::Node asked = node.IsMap() && node["dataset"].IsDefined() ? node["dataset"] : node;
  read_text_data(at("text"), asked, d);
  read_table_data(at("table"), asked, d);
  read_image_data(at("image"), asked, d);
  read_augment(at("augment"), d);
  if (d.batch_size <= 0)
    fail(at("batch_size"), "data.batch_size", "field 'data.batch_size' must be positive");
  if (!eval_batch_given && d.dataset == "text-lm") d.eval_batch_size = d.batch_size;
  if (d.eval_batch_size <= 0)
    fail(at("eval_batch_size"), "data.eval_batch_size", "field 'data.eval_batch_size' must be positive");
  if (d.num_workers < 0) fail(at("num_workers"), "data.num_workers", "field 'data.num_workers' must be >= 0");
  if (d.limit < 0) fail(at("limit"), "data.limit", "field 'data.limit' must be >= 0 (0: all)");
  if (d.test_limit < 0)
    fail(at("test_limit"), "data.test_limit", "field 'data.test_limit' must be >= 0 (0: all)");
  if (!(d.val_fraction >= 0 && d.val_fraction < 1)) {
    fail(at("val_fraction"), "data.val_fraction", "field 'data.val_fraction' must be in [0, 1)");
  }
  read_subset(node, d);
}

// data.classes and data.per_class: which labels and how many training examples of each to keep.
void Reader::read_subset(const YAML::Node& node, DataConfig& d) const {
  auto at = [&](const char* key) { return node.IsMap() ? node[key] : node; };
  const bool has_classes = read_list(node, "data", "classes", d.classes);
  const bool has_per_class = read(node, "data", "per_class", d.per_class);
  if ((has_classes || has_per_class) && d.dataset == "text-lm") {
    const char* key = has_classes ? "classes" : "per_class";
    fail(at(key), std::string("data.") + key,
         fmt::format("field 'data.{}' applies to classification data, not to dataset 'text-lm'", key));
  }
  if (has_classes) {
    d.classes_where = where(at("classes"), "data.classes");
    if (d.classes.empty())
      fail(at("classes"), "data.classes", "field 'data.classes' must list at least one label");
    std::set<int64_t> seen;
    for (int64_t label : d.classes) {
      if (label < 0)
        fail(at("classes"), "data.classes",
             fmt::format("field 'data.classes' must hold labels >= 0, got {}", label));
      if (!seen.insert(label).second)
        fail(at("classes"), "data.classes", fmt::format("field 'data.classes' lists label {} twice", label));
    }
  }
  if (has_per_class) d.per_class_where = where(at("per_class"), "data.per_class");
  if (d.per_class < 0)
    fail(at("per_class"), "data.per_class", "field 'data.per_class' must be >= 0 (0: all)");
}

// data.image (`node` may be undefined): the image-folder and emoji sources' fields. image-folder needs the
// section for its `path`; emoji reads the set from data.root (default: the emoji cache).
void Reader::read_image_data(const YAML::Node& node, const YAML::Node& asked, DataConfig& d) const {
  const std::string section = "data.image";
  const bool given = node.IsDefined() && !node.IsNull();
  const bool folder = d.dataset == "image-folder";
  if (!folder && d.dataset != "emoji") {
    if (given) fail(node, section, fmt::format("'data.image' does not apply to dataset '{}'", d.dataset));
    return;
  }
  ImageDataConfig& m = d.image;
  m.where = where(given ? node : asked, section);
  if (!given && folder) {
    fail(node.IsDefined() ? node : asked, section,
         "dataset 'image-folder' needs a 'data.image' section with its 'path' (a folder with one "
         "sub-folder of PNG/JPEG images per class)");
  }
  if (d.dataset == "emoji") m.background = 1.0;  // the emoji are drawn on transparent pixels
  if (!given) return;
  check_section(node, section, false);
  check_keys(node, section,
             {"path", "size", "channels", "mean", "std", "background", "test_fraction", "seed"});
  auto at = [&](const char* key) { return node[key].IsDefined() ? node[key] : node; };
  if (folder) {
    if (!node["path"].IsDefined() || node["path"].IsNull())
      fail(node, section + ".path", "field 'data.image.path' is missing (the folder of images)");
    read(node, section, "path", m.path);
    m.path = find_image_folder(m.path, d.root);
    if (m.path.empty()) {
      fail(node["path"], section + ".path",
           fmt::format("field 'data.image.path': folder '{}' does not exist{}",
                       as<std::string>(node["path"], section + ".path"),
                       d.root.empty() ? "" : fmt::format(" (nor under data.root {})", d.root)));
    }
  } else if (node["path"].IsDefined() && !node["path"].IsNull()) {
    fail(node["path"], section + ".path",
         "field 'data.image.path' does not apply to dataset 'emoji' (data.root points at another copy "
         "of the set)");
  }
  const YAML::Node size = node["size"];
  if (size.IsDefined() && !size.IsNull()) {
    if (size.IsScalar()) {
      m.size = {as<int64_t>(size, section + ".size"), as<int64_t>(size, section + ".size")};
    } else {
      read_list(node, section, "size", m.size);
    }
    if (m.size.size() != 2 || m.size[0] <= 0 || m.size[1] <= 0) {
      fail(size, section + ".size",
           "field 'data.image.size' must be [height, width] (or one side for a square) of positive "
           "integers");
    }
  }
  read(node, section, "channels", m.channels);
  if (m.channels != 1 && m.channels != 3) {
    fail(at("channels"), section + ".channels",
         fmt::format("field 'data.image.channels' must be 1 (grey) or 3 (RGB), got {}", m.channels));
  }
  const bool has_mean = read_list(node, section, "mean", m.mean);
  const bool has_std = read_list(node, section, "std", m.std);
  if (has_mean != has_std) {
    fail(has_mean ? node["mean"] : node["std"], section + (has_mean ? ".mean" : ".std"),
         "'data.image' needs both 'mean' and 'std', or neither (then both are fitted on the training "
         "images)");
  }
  if (has_mean && !d.normalize) {
    fail(node["mean"], section + ".mean",
         "fields 'data.image.mean' and 'std' normalise the images, but data.normalize is false");
  }
  for (const char* key : {"mean", "std"}) {
    const std::vector<double>& values = std::string(key) == "mean" ? m.mean : m.std;
    if (!values.empty() && values.size() != 1 && static_cast<int64_t>(values.size()) != m.channels) {
      fail(node[key], section + "." + key,
           fmt::format("field 'data.image.{}' needs 1 or {} values (data.image.channels), got {}", key,
                       m.channels, values.size()));
    }
  }
  for (double v : m.std) {
    if (!(v > 0))
      fail(node["std"], section + ".std", fmt::format("field 'data.image.std' must be positive, got {}", v));
  }
  double background = 0;
  if (read(node, section, "background", background)) {
    if (!(background >= 0 && background <= 1)) {
      fail(node["background"], section + ".background",
           fmt::format("field 'data.image.background' must be a grey level in [0, 1], got {}", background));
    }
    m.background = background;
  }
  const bool fraction_given = read(node, section, "test_fraction", m.test_fraction);
  read(node, section, "seed", m.seed);
  if (!(m.test_fraction > 0 && m.test_fraction < 1)) {
    fail(at("test_fraction"), section + ".test_fraction",
         "field 'data.image.test_fraction' must be in (0, 1)");
  }
  if (!(m.test_fraction + d.val_fraction < 1)) {
    fail(at("test_fraction"), section + ".test_fraction",
         fmt::format("data.image.test_fraction {} and data.val_fraction {} leave no training images",
                     m.test_fraction, d.val_fraction));
  }
  if (fraction_given && folder && has_split_folders(m.path)) {
    fail(node["test_fraction"], section + ".test_fraction",
         fmt::format("field 'data.image.test_fraction' does not apply: {} has train/ and test/ folders, "
                     "which are the splits",
                     m.path));
  }
}

// data.augment (`node` may be undefined): the training split's augmentation, a list of transforms as
// `strata data augment` reads them; every transform is built once here so a bad one fails at load time.
void Reader::read_augment(const YAML::Node& node, DataConfig& d) const {
  if (!node.IsDefined() || node.IsNull()) return;
  if (d.dataset != "fashion-mnist" && d.dataset != "mnist" && d.dataset != "image-folder" &&
      d.dataset != "emoji") {
    fail(node, "data.augment",
         fmt::format("'data.augment' augments images; it does not apply to dataset '{}'", d.dataset));
  }
  if (!node.IsSequence() || node.size() == 0) {
    fail(node, "data.augment",
         fmt::format("'data.augment' must be a non-empty list of transforms such as [random_horizontal_flip, "
                     "{{random_rotation: {{degrees: 10}}}}], got {}",
                     describe(node)));
  }
  for (const auto& item : node) {
    data::image::TransformSpec spec = transform_spec(item, path_);  // its errors name file:line
    spec.where.clear();
    try {
      data::image::make_transform(spec);
    } catch (const Error& e) {
      fail(item, "data.augment", fmt::format("data.augment: {}", e.what()));
    }
  }
  d.augment = YAML::Clone(node);
}

}  // namespace strata::cli::detail
