#include "strata/io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <vector>

#include "io/fd.h"
#include "io/float16.h"
#include "strata/autograd/grad_mode.h"
#include "strata/core/factory.h"

namespace strata::io {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

// The reference implementation refuses headers above 100 MB; so do we (it bounds what a hostile file costs).
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

std::string errno_text() { return std::strerror(errno); }

// Throws the error for a bad or unreadable file, naming it.
[[noreturn]] void bad_file(const std::string& path, std::string_view problem) {
  STRATA_FAIL("load_safetensors: {}: {}", path, problem);
}

// Reads exactly n bytes at `offset`; false on a short read (the file shrank) or an I/O error.
bool read_at(int fd, void* dst, size_t n, uint64_t offset) {
  auto* p = static_cast<char*>(dst);
  while (n > 0) {
    const ssize_t got = ::pread(fd, p, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return true;
}

// Writes exactly n bytes; false on an I/O error (errno says which).
bool write_all(int fd, const void* src, size_t n) {
  const auto* p = static_cast<const char*>(src);
  while (n > 0) {
    const ssize_t put = ::write(fd, p, n);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    p += put;
    n -= static_cast<size_t>(put);
  }
  return true;
}

// A safetensors dtype, the strata dtype it is held in, and its width in the file. The first entry of each
// strata dtype is its natural name; the rest are converted on load and listed in SafetensorsFile::stored_as.
struct DtypeName {
  std::string_view name;
  Dtype dtype;
  size_t width;
};
constexpr DtypeName kDtypes[] = {
    {"F32", kFloat32, 4}, {"F64", kFloat64, 8},  {"I64", kInt64, 8},
    {"U8", kUInt8, 1},    {"BF16", kFloat32, 2},  // widened exactly (kernels do not take bf16 yet)
    {"I8", kUInt8, 1},                            // no int8 dtype: s8 bits are held in u8 tensors
    {"F16", kFloat32, 2},                         // widened exactly
    {"I32", kInt64, 4},                           // widened exactly
    {"BOOL", kUInt8, 1},                          // 0 or 1
};

std::string_view safetensors_dtype(Dtype dtype) {
  if (dtype == kBFloat16) return "BF16";
  for (const auto& d : kDtypes)
    if (d.dtype == dtype) return d.name;
  STRATA_FAIL("save_safetensors: dtype {} has no safetensors name", dtype_name(dtype));
}

const DtypeName* find_dtype(std::string_view name) {
  auto it = std::find_if(std::begin(kDtypes), std::end(kDtypes),
                         [&](const DtypeName& d) { return d.name == name; });
  return it == std::end(kDtypes) ? nullptr : it;
}

// One tensor's header entry, checked against the file.
struct Entry {
  std::string name;
  Dtype dtype;
  Shape shape;
  uint64_t begin;
  uint64_t end;
  std::string stored;  // the file's dtype name when it differs from the natural name of `dtype`
};

// Parses `"name": {"dtype", "shape", "data_offsets"}`, checking types, sizes and the byte count.
Entry parse_entry(const std::string& path, const std::string& name, const nlohmann::json& info) {
  auto fail = [&](const std::string& problem) { bad_file(path, problem); };
  if (!info.is_object())
    fail(fmt::format("tensor '{}': entry must be an object, got {}", name, info.type_name()));
  Entry e{.name = name, .dtype = kFloat32, .shape = {}, .begin = 0, .end = 0, .stored = {}};

  auto dtype_it = info.find("dtype");
  if (dtype_it == info.end()) fail(fmt::format("tensor '{}': missing field 'dtype'", name));
  if (!dtype_it->is_string())
    fail(fmt::format("tensor '{}': field 'dtype' must be a string, got {}", name, dtype_it->type_name()));
  const auto& dtype = dtype_it->get_ref<const std::string&>();
  const DtypeName* known = find_dtype(dtype);
  if (known == nullptr)
    fail(fmt::format(
        "tensor '{}': unsupported dtype '{}' (strata reads F32, F64, I64, U8, BF16, F16, I32, I8 and BOOL)",
        name, dtype));
  e.dtype = known->dtype;
  if (safetensors_dtype(e.dtype) != dtype) e.stored = dtype;

  auto shape_it = info.find("shape");
  if (shape_it == info.end()) fail(fmt::format("tensor '{}': missing field 'shape'", name));
  if (!shape_it->is_array())
    fail(fmt::format("tensor '{}': field 'shape' must be an array, got {}", name, shape_it->type_name()));
  if (shape_it->size() > kMaxDims)
    fail(fmt::format("tensor '{}': shape has {} dims, strata supports at most {}", name, shape_it->size(),
                     kMaxDims));
  uint64_t numel = 1;
  for (const auto& d : *shape_it) {
    if (!d.is_number_unsigned())
      fail(fmt::format("tensor '{}': field 'shape' must hold non-negative integers, got {}", name,
                       shape_it->dump()));
    const uint64_t size = d.get<uint64_t>();
    if (size > static_cast<uint64_t>(INT64_MAX) || __builtin_mul_overflow(numel, size, &numel))
      fail(fmt::format("tensor '{}': shape {} is too large", name, shape_it->dump()));
    e.shape.push_back(static_cast<int64_t>(size));
  }

  auto offsets_it = info.find("data_offsets");
  if (offsets_it == info.end()) fail(fmt::format("tensor '{}': missing field 'data_offsets'", name));
  const auto& offsets = *offsets_it;
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    fail(fmt::format("tensor '{}': field 'data_offsets' must be two non-negative integers, got {}", name,
                     offsets.dump()));
  e.begin = offsets[0].get<uint64_t>();
  e.end = offsets[1].get<uint64_t>();
  if (e.end < e.begin)
    fail(fmt::format("tensor '{}': data_offsets {} end before they begin", name, offsets.dump()));

  const uint64_t width = known->width;
  uint64_t nbytes = 0;
  if (__builtin_mul_overflow(numel, width, &nbytes) || nbytes != e.end - e.begin)
    fail(fmt::format("tensor '{}': data_offsets {} span {} bytes but {} of shape {} needs {}", name,
                     offsets.dump(), e.end - e.begin, dtype, shape_it->dump(), numel * width));
  return e;
}

// Copies a tensor of any layout into `out` in row-major order, element by element (for dtypes the copy
// kernels do not handle, such as bf16).
void gather_bytes(const Tensor& t, std::vector<char>& out) {
  const size_t width = t.element_size();
  out.resize(static_cast<size_t>(t.numel()) * width);
  if (out.empty()) return;
  const char* base = static_cast<const char*>(t.raw_data());
  const int64_t nd = t.dim();
  std::vector<int64_t> index(static_cast<size_t>(nd), 0);
  int64_t offset = 0;  // in elements, relative to base
  for (int64_t i = 0; i < t.numel(); ++i) {
    std::memcpy(out.data() + static_cast<size_t>(i) * width, base + offset * static_cast<int64_t>(width),
                width);
    for (int64_t d = nd - 1; d >= 0; --d) {
      const auto du = static_cast<size_t>(d);
      offset += t.stride(d);
      if (++index[du] < t.size(d)) break;
      offset -= t.stride(d) * t.size(d);
      index[du] = 0;
    }
  }
}

// The row-major bytes of `tensor` in the file dtype `stored` (F16, BF16, I32, I8, BOOL), narrowed from its
// strata dtype; refuses dtypes that do not narrow to it and values that do not fit.
std::vector<char> encode_as(const std::string& path, const std::string& name, const Tensor& tensor,
                            const std::string& stored) {
  auto fail = [&](const std::string& problem) {
    STRATA_FAIL("save_safetensors: {}: tensor '{}' stored as {}: {}", path, name, stored, problem);
  };
  NoGradGuard no_grad;
  Tensor t = tensor.detach();
  if (!t.device().is_cpu()) t = t.to(kCPU);
  const auto n = static_cast<size_t>(t.numel());
  std::vector<char> out;
  if (stored == "F16" || stored == "BF16") {
    if (!is_floating(t.dtype())) fail(fmt::format("needs a floating tensor, got {}", dtype_name(t.dtype())));
    out.resize(2 * n);
    if (stored == "F16") {
      t = t.to(kFloat32).contiguous();
      std::vector<uint16_t> halves(n);
      floats_to_halves(t.data_ptr<float>(), halves.data(), static_cast<int64_t>(n));
      if (n > 0) std::memcpy(out.data(), halves.data(), 2 * n);
    } else {
      t = t.to(kFloat32).contiguous();
      std::vector<uint16_t> halves(n);
      floats_to_bf16(t.data_ptr<float>(), halves.data(), static_cast<int64_t>(n));
      if (n > 0) std::memcpy(out.data(), halves.data(), 2 * n);
    }
  } else if (stored == "I32") {
    if (t.dtype() != kInt64) fail(fmt::format("needs an i64 tensor, got {}", dtype_name(t.dtype())));
    t = t.contiguous();
    out.resize(4 * n);
    const int64_t* src = t.data_ptr<int64_t>();
    for (size_t i = 0; i < n; ++i) {
      if (src[i] < INT32_MIN || src[i] > INT32_MAX)
        fail(fmt::format("element {} = {} does not fit", i, src[i]));
      const auto v = static_cast<int32_t>(src[i]);
      std::memcpy(out.data() + 4 * i, &v, 4);
    }
  } else if (stored == "I8" || stored == "BOOL") {
    if (t.dtype() != kUInt8)
      fail(fmt::format("needs a u8 tensor ({}), got {}", stored == "I8" ? "holding s8 bits" : "of 0 and 1",
                       dtype_name(t.dtype())));
    t = t.contiguous();
    out.resize(n);
    if (n > 0) std::memcpy(out.data(), t.raw_data(), n);
    if (stored == "BOOL")
      for (size_t i = 0; i < n; ++i)
        if (static_cast<uint8_t>(out[i]) > 1)
          fail(fmt::format("element {} = {} is not 0 or 1", i,
                           static_cast<int>(static_cast<uint8_t>(out[i]))));
  } else {
    fail("strata writes F16, BF16, I32, I8 or BOOL as stored dtypes");
  }
  return out;
}

}  // namespace

SafetensorsFile read_safetensors(const std::string& path) {
  auto fail = [&](const std::string& problem) { bad_file(path, problem); };

  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail(fmt::format("cannot open: {}", errno_text()));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail(fmt::format("cannot stat: {}", errno_text()));
  if (!S_ISREG(st.st_mode)) fail("not a regular file");
  const auto file_size = static_cast<uint64_t>(st.st_size);
  if (file_size < 8) fail(fmt::format("file is {} bytes, too short for the 8-byte header length", file_size));

  uint64_t header_len = 0;
  if (!read_at(fd.get(), &header_len, 8, 0)) fail("cannot read the header length");
  if (header_len > file_size - 8)
    fail(fmt::format("header length {} exceeds the {} bytes that follow it", header_len, file_size - 8));
  if (header_len > kMaxHeaderBytes)
    fail(fmt::format("header length {} exceeds the {} byte limit", header_len, kMaxHeaderBytes));
  std::string header(header_len, '\0');
  if (!read_at(fd.get(), header.data(), header_len, 8)) fail("cannot read the header");
  if (header.empty() || header[0] != '{') fail("invalid JSON header: it must start with '{'");

  // nlohmann keeps the last of duplicate keys; the format forbids duplicates, so catch them while parsing.
  std::set<std::string> seen;
  std::string duplicate;
  auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (depth == 1 && event == nlohmann::json::parse_event_t::key && duplicate.empty() &&
        !seen.insert(parsed.get<std::string>()).second)
      duplicate = parsed.get<std::string>();
    return true;
  };
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(header, callback);
  } catch (const nlohmann::json::exception& e) {
    fail(fmt::format("invalid JSON header: {}", e.what()));
  }
  if (!json.is_object()) fail(fmt::format("header must be a JSON object, got {}", json.type_name()));
  if (!duplicate.empty()) fail(fmt::format("duplicate key '{}' in the header", duplicate));

  SafetensorsFile result;
  std::vector<Entry> entries;
  for (const auto& [name, info] : json.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) fail(fmt::format("'__metadata__' must be an object, got {}", info.type_name()));
      for (const auto& [key, value] : info.items()) {
        if (!value.is_string())
          fail(fmt::format("'__metadata__' value of '{}' must be a string, got {}", key, value.type_name()));
        result.metadata.emplace(key, value.get<std::string>());
      }
      continue;
    }
    entries.push_back(parse_entry(path, name, info));
  }

  // The data must be covered exactly: no overlap, no gap, nothing after the last tensor (as in the reference
  // implementation; it keeps files from hiding other content).
  const uint64_t data_start = 8 + header_len;
  const uint64_t data_size = file_size - data_start;
  std::vector<const Entry*> order;
  for (const auto& e : entries) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return std::tie(a->begin, a->end) < std::tie(b->begin, b->end);
  });
  uint64_t cursor = 0;
  const Entry* previous = nullptr;
  for (const Entry* e : order) {
    if (e->end > data_size)
      fail(fmt::format("tensor '{}': data_offsets [{}, {}] run past the {} data bytes in the file", e->name,
                       e->begin, e->end, data_size));
    if (e->begin < cursor)
      fail(fmt::format("tensor '{}': data_offsets [{}, {}] overlap tensor '{}'", e->name, e->begin, e->end,
                       previous->name));
    if (e->begin > cursor)
      fail(fmt::format("tensor '{}': data_offsets [{}, {}] leave a gap at bytes [{}, {})", e->name, e->begin,
                       e->end, cursor, e->begin));
    cursor = e->end;
    previous = e;
  }
  if (cursor != data_size)
    fail(fmt::format("{} trailing bytes after the last tensor (data ends at {}, file data is {} bytes)",
                     data_size - cursor, cursor, data_size));

  std::vector<char> staging;
  for (const Entry& e : entries) {
    const uint64_t nbytes = e.end - e.begin;
    Tensor t = empty(e.shape, {.dtype = e.dtype});
    const auto n = static_cast<size_t>(t.numel());
    const bool widened = e.stored == "BF16" || e.stored == "F16" || e.stored == "I32";
    if (widened) staging.resize(nbytes);
    if (!read_at(fd.get(), widened ? staging.data() : t.raw_data(), nbytes, data_start + e.begin))
      fail(fmt::format("tensor '{}': cannot read its data", e.name));
    if (e.stored == "BF16") {
      // bf16 is the top half of an f32, so widening is exact.
      auto* out = static_cast<uint32_t*>(t.raw_data());
      for (size_t i = 0; i < n; ++i) {
        uint16_t bits;
        std::memcpy(&bits, staging.data() + 2 * i, 2);
        out[i] = static_cast<uint32_t>(bits) << 16;
      }
    } else if (e.stored == "F16") {
      std::vector<uint16_t> halves(n);
      std::memcpy(halves.data(), staging.data(), nbytes);
      halves_to_floats(halves.data(), t.data_ptr<float>(), static_cast<int64_t>(n));
    } else if (e.stored == "I32") {
      int64_t* out = t.data_ptr<int64_t>();
      for (size_t i = 0; i < n; ++i) {
        int32_t v;
        std::memcpy(&v, staging.data() + 4 * i, 4);
        out[i] = v;
      }
    } else if (e.stored == "BOOL") {
      const uint8_t* bytes = t.data_ptr<uint8_t>();
      for (size_t i = 0; i < n; ++i)
        if (bytes[i] > 1)
          fail(fmt::format("tensor '{}': BOOL element {} holds byte {}, not 0 or 1", e.name, i, bytes[i]));
    }
    if (e.stored == "I8") result.int8.insert(e.name);
    if (!e.stored.empty()) result.stored_as.emplace(e.name, e.stored);
    result.tensors.emplace(e.name, std::move(t));
  }
  return result;
}

std::map<std::string, Tensor> load_safetensors(const std::string& path) {
  return std::move(read_safetensors(path).tensors);
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata, const std::set<std::string>& int8,
                      const std::map<std::string, std::string>& stored_as) {
  // ordered_json keeps insertion order, so the header lists tensors in the order their bytes follow.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    auto& meta = header["__metadata__"] = nlohmann::ordered_json::object();
    for (const auto& [key, value] : metadata) meta[key] = value;
  }
  for (const auto& [name, stored] : stored_as)
    STRATA_CHECK(tensors.count(name) > 0, "save_safetensors: {}: stored_as names '{}', which is not a tensor",
                 path, name);
  // Tensors stored in another dtype than they are held in are converted (and checked) before anything is
  // written.
  std::map<std::string, std::vector<char>> converted;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    STRATA_CHECK(name != "__metadata__", "save_safetensors: {}: tensor name '__metadata__' is reserved",
                 path);
    STRATA_CHECK(t.defined(), "save_safetensors: {}: tensor '{}' is undefined", path, name);
    uint64_t nbytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    const bool as_int8 = int8.count(name) > 0;
    STRATA_CHECK(!as_int8 || t.dtype() == kUInt8,
                 "save_safetensors: {}: tensor '{}' listed as I8 must hold s8 bits in a u8 tensor, got {}",
                 path, name, dtype_name(t.dtype()));
    std::string dtype(as_int8 ? std::string_view("I8") : safetensors_dtype(t.dtype()));
    if (auto it = stored_as.find(name); it != stored_as.end() && it->second != dtype) {
      STRATA_CHECK(!as_int8, "save_safetensors: {}: tensor '{}' is listed as I8 and stored_as {}", path, name,
                   it->second);
      dtype = it->second;
      nbytes = converted.emplace(name, encode_as(path, name, t, dtype)).first->second.size();
    }
    header[name] = {
        {"dtype", dtype}, {"shape", t.shape().vec()}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    STRATA_FAIL("save_safetensors: {}: cannot encode the header (names and metadata must be UTF-8): {}", path,
                e.what());
  }
  // Spaces pad the header so the data starts 8-byte aligned (the format allows trailing whitespace).
  text.resize((text.size() + 7) / 8 * 8, ' ');
  const uint64_t header_len = text.size();

  const std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  // Names the failing step and errno's reason; the catch below removes the temporary file.
  auto fail = [&](const std::string& problem) {
    STRATA_FAIL("save_safetensors: {}: {}: {}", path, problem, errno_text());
  };
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) fail(fmt::format("cannot create {}", tmp));
  try {
    if (!write_all(fd.get(), &header_len, 8) || !write_all(fd.get(), text.data(), text.size()))
      fail("cannot write the header");
    NoGradGuard no_grad;
    std::vector<char> staging;
    for (const auto& [name, tensor] : tensors) {
      if (tensor.numel() == 0) continue;
      if (auto it = converted.find(name); it != converted.end()) {
        if (!write_all(fd.get(), it->second.data(), it->second.size()))
          fail(fmt::format("cannot write tensor '{}'", name));
        continue;
      }
      Tensor t = tensor.detach();
      if (!t.device().is_cpu()) t = t.to(kCPU);
      const size_t nbytes = static_cast<size_t>(t.numel()) * t.element_size();
      const void* data = nullptr;
      if (t.is_contiguous()) {
        data = t.raw_data();
      } else if (t.dtype() == kBFloat16) {
        gather_bytes(t, staging);
        data = staging.data();
      } else {
        t = t.contiguous();
        data = t.raw_data();
      }
      if (!write_all(fd.get(), data, nbytes)) fail(fmt::format("cannot write tensor '{}'", name));
    }
    if (::fsync(fd.get()) != 0) fail("cannot sync");
    if (fd.close() != 0) fail("cannot close");
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail(fmt::format("cannot rename {} over it", tmp));
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  // Sync the directory too, so the rename itself survives a crash; failure here loses nothing already
  // written.
  const std::string dir = std::filesystem::path(path).parent_path().string();
  Fd dir_fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
}

}  // namespace strata::io
