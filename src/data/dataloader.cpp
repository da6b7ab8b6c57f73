// DataLoader. Batch b of an epoch holds the samples order[b * batch_size, ...), where the order depends only
// on (seed, epoch); with workers, batches are built in any order by any thread but handed out in batch order
// from a ring of W * prefetch slots, so the result is bit-identical whatever the number of workers.
#include "strata/data/dataloader.h"

#include <omp.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>

#include "data/shuffle.h"
#include "kernels/elementwise.h"

namespace strata::data {
namespace {

// Stacks one field (input or target) of the examples into a new [B, ...] tensor with one copy per example.
Tensor stack_field(const std::vector<Example>& examples, Tensor Example::*field, const char* name) {
  const Tensor& first = examples.front().*field;
  const auto batch = static_cast<int64_t>(examples.size());
  if (!first.defined()) {
    for (int64_t i = 1; i < batch; ++i) {
      STRATA_CHECK(!(examples[static_cast<size_t>(i)].*field).defined(),
                   "default_collate: example {} has a {} but example 0 has none", i, name);
    }
    return {};
  }
  Shape shape = first.shape();
  shape.insert(0, batch);
  Tensor out = kernels::empty(shape, first.dtype(), first.device());
  const size_t row_bytes = static_cast<size_t>(first.numel()) * first.element_size();
  auto* dst = static_cast<char*>(out.raw_data());
  for (int64_t i = 0; i < batch; ++i) {
    const Tensor& t = examples[static_cast<size_t>(i)].*field;
    STRATA_CHECK(t.defined(), "default_collate: example {} has no {} but example 0 has one", i, name);
    STRATA_CHECK(t.shape() == first.shape() && t.dtype() == first.dtype() && t.device() == first.device(),
                 "default_collate: example {} has {} of shape {} ({}) but example 0 has shape {} ({}); all "
                 "examples of a batch must match",
                 i, name, t.shape().str(), dtype_name(t.dtype()), first.shape().str(),
                 dtype_name(first.dtype()));
    if (t.device() == kCPU && t.is_contiguous()) {
      if (row_bytes > 0) std::memcpy(dst + static_cast<size_t>(i) * row_bytes, t.raw_data(), row_bytes);
    } else {
      kernels::copy(out.select(0, i), t);
    }
  }
  return out;
}

// The message of the exception in flight (called inside a catch block).
std::string current_exception_message() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

Batch default_collate(const std::vector<Example>& examples) {
  STRATA_CHECK(!examples.empty(), "default_collate: no examples to collate");
  return {stack_field(examples, &Example::input, "input"), stack_field(examples, &Example::target, "target")};
}

// ---- worker pool of one epoch --------------------------------------------------------------------

struct DataLoader::Impl {
  struct Slot {
    bool ready = false;
    bool failed = false;
    Batch batch;
    std::string error;  // what building the batch threw
  };

  std::shared_ptr<const Dataset> dataset;
  int64_t batch_size = 1;
  Collate collate;
  int64_t epoch = 0;
  std::vector<int64_t> order;  // sample indices of this epoch, in batch order
  int64_t num_batches = 0;
  int64_t next_consume = 0;  // the batch fetch() must be asked for next (checked when workers run)

  std::mutex mutex;
  std::condition_variable ready_cv;  // a slot was filled (consumer waits)
  std::condition_variable space_cv;  // a slot was freed or stop was set (workers wait)
  std::vector<Slot> slots;           // batch b lives in slots[b % slots.size()]
  std::vector<std::thread> threads;
  int64_t next_build = 0;
  bool stop = false;

  ~Impl() { shutdown(); }

  // Batch b: the examples at order[b * batch_size, ...) through collate. Safe to call from several threads.
  Batch build(int64_t b) const {
    const auto n = static_cast<int64_t>(order.size());
    const int64_t start = b * batch_size;
    const int64_t end = std::min(n, start + batch_size);
    std::vector<Example> examples;
    examples.reserve(static_cast<size_t>(end - start));
    for (int64_t i = start; i < end; ++i) examples.push_back(dataset->get(order[static_cast<size_t>(i)]));
    return collate(examples);
  }

  // Stops the workers (they finish the batch in hand) and joins them; idempotent.
  void shutdown() {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    space_cv.notify_all();
    for (std::thread& t : threads) t.join();
    threads.clear();
  }

  void worker() {
    // Parallelism comes from the workers: ops inside them run single-threaded, so cores are not
    // oversubscribed.
    omp_set_num_threads(1);
    const auto capacity = static_cast<int64_t>(slots.size());
    while (true) {
      int64_t b;
      {
        std::unique_lock lock(mutex);
        space_cv.wait(
            lock, [&] { return stop || next_build >= num_batches || next_build < next_consume + capacity; });
        if (stop || next_build >= num_batches) return;
        b = next_build++;
      }
      Slot slot;
      try {
        slot.batch = build(b);
      } catch (...) {
        slot.failed = true;
        slot.error = current_exception_message();
      }
      slot.ready = true;
      {
        std::lock_guard lock(mutex);
        slots[static_cast<size_t>(b % capacity)] = std::move(slot);
      }
      ready_cv.notify_all();
    }
  }
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)) {
  STRATA_CHECK(dataset_ != nullptr, "DataLoader: dataset is null");
  STRATA_CHECK(options_.batch_size > 0, "DataLoader: batch_size must be positive, got {}",
               options_.batch_size);
  STRATA_CHECK(options_.num_workers >= 0, "DataLoader: num_workers must be >= 0, got {}",
               options_.num_workers);
  STRATA_CHECK(options_.prefetch > 0, "DataLoader: prefetch must be positive, got {}", options_.prefetch);
  STRATA_CHECK(static_cast<bool>(options_.collate), "DataLoader: collate function is empty");
  STRATA_CHECK(!(options_.sampler && options_.shuffle),
               "DataLoader: sampler and shuffle are mutually exclusive (the sampler decides the order)");
}

DataLoader::~DataLoader() = default;

int64_t DataLoader::size() const {
  const int64_t n = options_.sampler ? options_.sampler->size() : dataset_->size();
  return options_.drop_last ? n / options_.batch_size : (n + options_.batch_size - 1) / options_.batch_size;
}

void DataLoader::set_epoch(int64_t epoch) {
  STRATA_CHECK(epoch >= 0, "DataLoader: set_epoch expects a non-negative epoch, got {}", epoch);
  epoch_ = epoch;
}

DataLoader::Iterator DataLoader::begin() {
  impl_.reset();  // an abandoned epoch's workers stop here
  auto impl = std::make_unique<Impl>();
  impl->dataset = dataset_;
  impl->batch_size = options_.batch_size;
  impl->collate = options_.collate;
  impl->epoch = epoch_++;
  dataset_->set_epoch(impl->epoch);  // before any worker reads: epoch-dependent examples follow the loader
  const int64_t n = dataset_->size();
  if (options_.sampler) {
    impl->order = options_.sampler->indices(impl->epoch);
    STRATA_CHECK(static_cast<int64_t>(impl->order.size()) == options_.sampler->size(),
                 "DataLoader: the sampler returned {} indices for epoch {} but its size() is {}",
                 impl->order.size(), impl->epoch, options_.sampler->size());
    for (int64_t i : impl->order) {
      STRATA_CHECK(i >= 0 && i < n, "DataLoader: the sampler returned index {} for a dataset of {} samples",
                   i, n);
    }
  } else if (options_.shuffle) {
    Generator generator(detail::mix64(detail::mix64(options_.seed) ^ static_cast<uint64_t>(impl->epoch)));
    impl->order = detail::permutation(n, generator);
  } else {
    impl->order.resize(static_cast<size_t>(n));
    std::iota(impl->order.begin(), impl->order.end(), int64_t{0});
  }
  impl->num_batches = size();
  if (options_.num_workers > 0 && impl->num_batches > 0) {
    impl->slots.resize(static_cast<size_t>(options_.num_workers) * static_cast<size_t>(options_.prefetch));
    const int64_t threads = std::min<int64_t>(options_.num_workers, impl->num_batches);
    for (int64_t w = 0; w < threads; ++w) impl->threads.emplace_back(&Impl::worker, impl.get());
  }
  impl_ = std::move(impl);
  Iterator it(this, 0);
  if (impl_->num_batches > 0) it.current_ = fetch(0);
  return it;
}

DataLoader::Iterator DataLoader::end() { return Iterator(this, size()); }

Batch DataLoader::fetch(int64_t batch_index) {
  STRATA_CHECK(impl_ != nullptr, "DataLoader: no epoch is running (call begin() first)");
  Impl& impl = *impl_;
  STRATA_CHECK(batch_index >= 0 && batch_index < impl.num_batches,
               "DataLoader: batch {} is out of range for an epoch of {} batches", batch_index,
               impl.num_batches);
  if (impl.threads.empty()) {
    try {
      return impl.build(batch_index);
    } catch (...) {
      STRATA_FAIL("DataLoader: building batch {} of epoch {} failed: {}", batch_index, impl.epoch,
                  current_exception_message());
    }
  }
  STRATA_CHECK(
      batch_index == impl.next_consume,
      "DataLoader: batches are read in order with workers (asked for batch {}, next is {}); call begin() "
      "to start a new epoch",
      batch_index, impl.next_consume);
  Impl::Slot slot;
  {
    std::unique_lock lock(impl.mutex);
    Impl::Slot& s = impl.slots[static_cast<size_t>(batch_index % static_cast<int64_t>(impl.slots.size()))];
    impl.ready_cv.wait(lock, [&] { return s.ready; });
    slot = std::move(s);
    s = Impl::Slot{};
    impl.next_consume = batch_index + 1;
  }
  impl.space_cv.notify_all();
  if (slot.failed) {
    STRATA_FAIL("DataLoader: worker failed on batch {} of epoch {}: {}", batch_index, impl.epoch, slot.error);
  }
  if (impl.next_consume == impl.num_batches) impl.shutdown();  // the epoch is complete: release the threads
  return std::move(slot.batch);
}

// ---- Iterator -------------------------------------------------------------------------------------

DataLoader::Iterator::Iterator(DataLoader* loader, int64_t index) : loader_(loader), index_(index) {}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  ++index_;
  current_ = index_ < loader_->size() ? loader_->fetch(index_) : Batch{};
  return *this;
}

}  // namespace strata::data
