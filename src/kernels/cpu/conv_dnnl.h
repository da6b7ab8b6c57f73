#pragma once
// oneDNN plumbing shared by the convolution, pooling and normalisation kernels: one CPU engine, a
// per-thread stream, primitives cached by a key of shapes and parameters, and scratchpads drawn from
// strata's caching allocator. Tensors are handed to oneDNN in their own strided layouts (NCHW or
// channels-last, see memory_format.h); Arg and execute(args) convert to and from the layouts a primitive
// prefers.
#include <omp.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <unordered_map>
#include <vector>

#include "strata/core/tensor.h"

namespace strata::kernels::cpu::dnnl_util {

// The process-wide CPU engine.
dnnl::engine& engine();
// This thread's stream on engine().
dnnl::stream& stream();

// A cache key: a primitive kind tag plus the integers that pin its descriptor down.
struct Key {
  std::vector<int64_t> values;
  bool operator==(const Key& o) const { return values == o.values; }
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    uint64_t h = 1469598103934665603ull;
    for (int64_t v : k.values) h = (h ^ static_cast<uint64_t>(v)) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};

// Builds a key from a tag and values; the thread count is part of it since oneDNN sizes its work split
// when a primitive is created.
Key make_key(int64_t tag, std::initializer_list<int64_t> values);

// A small thread-safe map from keys to immutable primitive bundles, cleared when full (a model has
// few distinct shapes).
template <typename V>
class Cache {
 public:
  // The cached value for k, or create() stored under k.
  template <typename Create>
  std::shared_ptr<const V> get(const Key& k, Create&& create) {
    {
      std::lock_guard lock(mutex_);
      auto it = map_.find(k);
      if (it != map_.end()) return it->second;
    }
    std::shared_ptr<const V> v = create();  // outside the lock: creation can take milliseconds
    std::lock_guard lock(mutex_);
    if (map_.size() >= kCapacity) map_.clear();
    map_.emplace(k, v);
    return v;
  }

 private:
  static constexpr size_t kCapacity = 512;
  std::mutex mutex_;
  std::unordered_map<Key, std::shared_ptr<const V>, KeyHash> map_;
};

// A plain f32 memory descriptor (row-major, dense) of `dims`.
dnnl::memory::desc plain(const dnnl::memory::dims& dims);
// An f32 descriptor of a 4-D activation [N, C, H, W]: channels-last (nhwc) or plain (nchw).
dnnl::memory::desc activation(const dnnl::memory::dims& dims, bool channels_last);

// Primitive attributes with a user-provided scratchpad (so concurrent calls never share one).
dnnl::primitive_attr user_scratchpad();

// A memory object on the engine over `data` (not owned).
dnnl::memory wrap(const dnnl::memory::desc& md, const void* data);

// Runs `prim` with `args`, adding a scratchpad of `scratchpad` bytes from strata's allocator, and waits.
void execute(const dnnl::primitive& prim, std::unordered_map<int, dnnl::memory>& args,
             const dnnl::memory::desc& scratchpad);

// Problems below this many multiply-adds (about 20 us on one core) run on the calling thread: waking a
// second OpenMP thread costs about 10 us with passive waiting, and far more when it has been descheduled.
inline constexpr int64_t kSerialMacs = int64_t{1} << 20;

// Runs its scope's OpenMP regions (oneDNN's included) on the calling thread when `on`. Keys made inside
// (make_key) then name a one-thread primitive.
class SerialScope {
 public:
  explicit SerialScope(bool on) : previous_(on && !omp_in_parallel() ? omp_get_max_threads() : 0) {
    if (previous_ > 1) omp_set_num_threads(1);
  }
  ~SerialScope() {
    if (previous_ > 1) omp_set_num_threads(previous_);
  }
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;

 private:
  int previous_;
};

// A block from strata's caching allocator, returned on destruction.
class Buffer {
 public:
  explicit Buffer(size_t bytes);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* get() const { return ptr_; }

 private:
  size_t bytes_;
  void* ptr_;
};

// One argument of a primitive whose layout oneDNN may choose (format `any`): the plain layout of our
// tensor and the one the primitive uses, with the reorder between them when they differ (plain -> used
// for inputs, used -> plain for outputs).
struct Arg {
  int id = 0;
  bool output = false;
  dnnl::memory::desc user, used;
  std::optional<dnnl::reorder> convert;
};

// Describes argument `id`, creating the reorder when the layouts differ.
Arg make_arg(int id, bool output, const dnnl::memory::desc& user, const dnnl::memory::desc& used);

// `md` with its format left to oneDNN.
dnnl::memory::desc any_layout(const dnnl::memory::desc& md);

// Runs `prim` on `data` (one pointer per entry of `args`, plain layouts), converting inputs before and
// outputs after through temporary buffers where the primitive uses another layout.
void execute(const dnnl::primitive& prim, const std::vector<Arg>& args, const std::vector<const void*>& data,
             const dnnl::memory::desc& scratchpad);

// x as a contiguous f32 tensor (x itself when already contiguous).
Tensor dense(const Tensor& x);
// A 4-D activation as oneDNN can read it: x itself when channels-last or contiguous, else a contiguous
// copy. Test the result with is_channels_last (memory_format.h) to describe it.
Tensor dense_activation(const Tensor& x);

}  // namespace strata::kernels::cpu::dnnl_util
