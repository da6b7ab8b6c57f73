// Collectives on tensors: each is one non-blocking MPI call on the group's communicator, waited for by the
// watchdog (detail::wait_all), so a dead or hung peer becomes an Error naming it instead of a hang. Tensors
// are reduced in place when contiguous; a strided view goes through a contiguous copy.
#include "strata/dist/collectives.h"

#include <limits>

#include "dist/mpi_comm.h"
#include "strata/core/error.h"
#include "strata/core/factory.h"
#include "strata/dist/process_group.h"
#include "strata/ops/indexing.h"

namespace strata::dist {
namespace detail {

MPI_Datatype mpi_dtype(Dtype dtype, const char* op) {
  switch (dtype) {
    case kFloat32:
      return MPI_FLOAT;
    case kFloat64:
      return MPI_DOUBLE;
    case kInt64:
      return MPI_INT64_T;
    case Dtype::UInt8:
      return MPI_UINT8_T;
    default:
      STRATA_FAIL("dist::{}: dtype {} is not supported (f32, f64, i64, u8)", op, dtype_name(dtype));
  }
}

void check_tensor(const Tensor& t, const char* op) {
  STRATA_CHECK(t.defined(), "dist::{}: the tensor is undefined", op);
  STRATA_CHECK(t.device().is_cpu(), "dist::{}: only CPU tensors are supported, got one on {}", op,
               t.device().str());
  STRATA_CHECK(t.numel() <= std::numeric_limits<int>::max(),
               "dist::{}: a tensor of {} elements exceeds MPI's count limit ({})", op, t.numel(),
               std::numeric_limits<int>::max());
}

}  // namespace detail

namespace {

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::Max:
      return MPI_MAX;
    case ReduceOp::Min:
      return MPI_MIN;
    default:
      return MPI_SUM;
  }
}

}  // namespace

void all_reduce(Tensor& tensor, ReduceOp op) {
  const char* name = "all_reduce";
  MPI_Comm comm = detail::comm(name);
  detail::check_tensor(tensor, name);
  const MPI_Datatype type = detail::mpi_dtype(tensor.dtype(), name);
  STRATA_CHECK(op != ReduceOp::Mean || tensor.dtype() == kFloat32 || tensor.dtype() == kFloat64,
               "dist::all_reduce: Mean needs a floating tensor, got {}", dtype_name(tensor.dtype()));
  Tensor buffer = tensor.is_contiguous() ? tensor : tensor.contiguous();
  detail::begin_collective(name);
  MPI_Request request = MPI_REQUEST_NULL;
  detail::check(MPI_Iallreduce(MPI_IN_PLACE, buffer.raw_data(), static_cast<int>(buffer.numel()), type,
                               mpi_op(op), comm, &request),
                name);
  detail::wait_all(&request, 1, name);
  buffer.storage().bump_version();
  if (op == ReduceOp::Mean) buffer.div_(static_cast<double>(world_size()));
  if (!buffer.is_same(tensor)) tensor.copy_(buffer);
}

void broadcast(Tensor& tensor, int src) {
  const char* name = "broadcast";
  MPI_Comm comm = detail::comm(name);
  detail::check_tensor(tensor, name);
  STRATA_CHECK(src >= 0 && src < world_size(), "dist::broadcast: src rank {} is outside [0, {})", src,
               world_size());
  const MPI_Datatype type = detail::mpi_dtype(tensor.dtype(), name);
  Tensor buffer = tensor.is_contiguous() ? tensor : tensor.contiguous();
  detail::begin_collective(name);
  MPI_Request request = MPI_REQUEST_NULL;
  detail::check(MPI_Ibcast(buffer.raw_data(), static_cast<int>(buffer.numel()), type, src, comm, &request),
                name);
  detail::wait_all(&request, 1, name);
  buffer.storage().bump_version();
  if (!buffer.is_same(tensor)) tensor.copy_(buffer);
}

Tensor all_gather_into_tensor(const Tensor& tensor) {
  const char* name = "all_gather";
  MPI_Comm comm = detail::comm(name);
  detail::check_tensor(tensor, name);
  const MPI_Datatype type = detail::mpi_dtype(tensor.dtype(), name);
  const Tensor input = tensor.contiguous();
  Shape shape = input.shape();
  if (shape.empty()) shape.push_back(1);
  shape[0] *= world_size();
  Tensor out = empty(shape, {.dtype = input.dtype()});
  detail::begin_collective(name);
  MPI_Request request = MPI_REQUEST_NULL;
  const int count = static_cast<int>(input.numel());
  detail::check(MPI_Iallgather(input.raw_data(), count, type, out.raw_data(), count, type, comm, &request),
                name);
  detail::wait_all(&request, 1, name);
  return out;
}

std::vector<Tensor> all_gather(const Tensor& tensor) {
  const Tensor all = all_gather_into_tensor(tensor);
  std::vector<Tensor> out;
  const int size = world_size();
  const int64_t rows = all.size(0) / size;
  for (int r = 0; r < size; ++r) out.push_back(all.narrow(0, r * rows, rows).reshape(tensor.shape()));
  return out;
}

void barrier() {
  const char* name = "barrier";
  MPI_Comm comm = detail::comm(name);
  detail::begin_collective(name);
  MPI_Request request = MPI_REQUEST_NULL;
  detail::check(MPI_Ibarrier(comm, &request), name);
  detail::wait_all(&request, 1, name);
}

}  // namespace strata::dist
