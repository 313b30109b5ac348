# fsweep Makefile. `make` builds build/fsweep (MPI) and build/fsweep-serial (no MPI).
# Targets: all serial test asan fuzz valgrind lint bench run deps clean help
# Options: SAN=1 (ASan+UBSan), NATIVE=1 (-march=native), FAST=1 (-O3), V=1 (verbose)

SHELL      := /bin/bash
BUILD      ?= build
CC         ?= cc
ifeq ($(origin CC),default)
CC         := gcc
endif
VERSION    := 0.1.0
GIT_HASH   := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)

export PKG_CONFIG_PATH := /usr/lib/x86_64-linux-gnu/openblas-pthread/pkgconfig:$(PKG_CONFIG_PATH)

# ---------------------------------------------------------------- dependency detection
define need_pc
$(if $(shell pkg-config --exists $(1) && echo y),$(info [fsweep] found $(1) $(shell pkg-config --modversion $(1))),$(error [fsweep] missing $(1): run 'make deps' as root, or: $(DEPS_APT)))
endef
DEPS_APT := $(shell bash jobs/setup.sh --check 2>&1 | sed 's/.*packages: /apt-get install -y /')

ifeq ($(filter deps clean help print-engine-id,$(MAKECMDGOALS)),)
# Install missing Debian packages first when run as root (prints the apt-get line otherwise).
ifneq ($(NO_SETUP),1)
SETUP_RC := $(shell bash jobs/setup.sh --auto >&2; echo $$?)
endif
ifeq ($(shell command -v pkg-config),)
$(error [fsweep] pkg-config not found: run 'make deps' as root, or: $(DEPS_APT))
endif
HDF5_PC := $(firstword $(foreach p,hdf5-serial hdf5,$(shell pkg-config --exists $(p) && echo $(p))))
$(if $(HDF5_PC),$(info [fsweep] found HDF5 via $(HDF5_PC) $(shell pkg-config --modversion $(HDF5_PC))),$(error [fsweep] HDF5 not found: run 'make deps' as root, or: $(DEPS_APT)))
$(call need_pc,openblas)
$(call need_pc,fftw3f)
$(call need_pc,fftw3)
$(call need_pc,ompi-c)
$(call need_pc,zlib)
$(call need_pc,libpng)
$(call need_pc,libjpeg)
$(call need_pc,cairo)
ifeq ($(wildcard /usr/include/fftw3-mpi.h),)
$(error [fsweep] fftw3-mpi.h not found (libfftw3-mpi-dev has no pkg-config file): run 'make deps' as root, or: $(DEPS_APT))
endif
ifeq ($(wildcard /usr/include/iniparser/iniparser.h),)
$(error [fsweep] iniparser not found: run 'make deps' as root, or: $(DEPS_APT))
endif
$(info [fsweep] found FFTW MPI (-lfftw3f_mpi, no .pc) and iniparser)
endif

PKGS       := $(HDF5_PC) openblas fftw3f fftw3 zlib libpng libjpeg cairo
DEP_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -I/usr/include/iniparser
DEP_LIBS   := -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5_hl $(shell pkg-config --libs $(PKGS) 2>/dev/null) -liniparser -lm
MPI_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null)
MPI_LIBS   := $(shell pkg-config --libs ompi-c 2>/dev/null) -lfftw3f_mpi -lfftw3f

# ---------------------------------------------------------------- flags
OPT        := -O2
ifeq ($(FAST),1)
OPT        := -O3
endif
ifeq ($(NATIVE),1)
OPT        += -march=native
endif
WARN       := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
              -Wcast-qual -Wpointer-arith -Wformat=2 -Wundef -Wvla -Wwrite-strings \
              -Wold-style-definition -Wnull-dereference -Wdouble-promotion
CFLAGS_BASE := -std=c11 $(OPT) -g $(WARN) -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -fno-strict-aliasing
ifeq ($(SAN),1)
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDSAN      := -fsanitize=address,undefined
BUILD      := build/san
endif
ifeq ($(WERROR),1)
CFLAGS_BASE += -Werror
endif
CFLAGS_ALL := $(CFLAGS_BASE) -Iinclude -I$(BUILD) $(DEP_CFLAGS) -MMD -MP
LDFLAGS_ALL := $(LDSAN) -pthread

# ---------------------------------------------------------------- sources
# One folder per module under src/ (README "Code layout"). Every src/*/*.c except cli/main.c and
# par/par.c forms the library. par.c is compiled twice: with MPI (build/obj/par/par.o) and without
# (build/serial/par/par.o, FS_NO_MPI). Tests live in tests/<module>/ and see private headers as
# "module/header.h" (-Isrc).
LIB_SRCS   := $(filter-out src/cli/main.c src/par/par.c,$(sort $(wildcard src/*/*.c)))
LIB_OBJS   := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
PAR_MPI    := $(BUILD)/obj/par/par.o
PAR_SER    := $(BUILD)/serial/par/par.o
MAIN_OBJ   := $(BUILD)/obj/cli/main.o
TEST_SRCS  := $(sort $(wildcard tests/*/test_*.c))
TEST_BINS  := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
BENCH_SRCS := $(sort $(wildcard tests/*/bench_*.c))
BENCH_BINS := $(BENCH_SRCS:tests/%.c=$(BUILD)/tests/%)
TEST_HDRS  := $(wildcard tests/*.h)

.PHONY: all serial test test-unit test-mpi asan valgrind fuzz fuzz-build fuzz-corpus lint bench run deps clean help info print-engine-id
all: $(BUILD)/fsweep $(BUILD)/fsweep-serial

serial: $(BUILD)/fsweep-serial

# ---------------------------------------------------------------- engine id
# FS_ENGINE_ID (build_info.h; README "Engine id"): 16 hex digits of a SHA-256 over what a build
# brings to a task's numbers: the numerics sources (the modules that compute results: engine
# (layers, gemm, training), spectral (FFT), analysis (DFM, ADCS, shortcuts, ...), data (datasets,
# augmentation, OOD sets), codec (decoded pixels), runner (what a task computes), the task spec
# (sweep/task.c), random numbers (base/rng.c), the seed hash (base/util.c: fs_hash64) and the
# public headers of those modules), the compiler's version line and the code-generating flags
# (CFLAGS_BASE without -W... and -g). Not in it: cli, sched, par, store, report, sweep.c (the
# config's meaning: its effective text is hashed into config_hash, which the store checks),
# base/split.c (work spreading) and documentation, none of which changes a number. At run time
# engine_id() appends the matrix-product class ("/fma" or "/openblas"). `make print-engine-id`.
NUMERICS_SRCS := $(sort $(wildcard $(foreach m,engine spectral analysis data codec runner,src/$(m)/*.c src/$(m)/*.h))) \
                 src/sweep/task.c src/base/rng.c src/base/util.c \
                 $(addprefix include/,$(addsuffix .h,adcs augment classifier codec controls curves \
                   curves_hook data dataset dfm dfm_greedy fgsm heatmap hfss linalg model ood pool rng \
                   runner shortcut spectral task toy_data train verdict))
ENGINE_FLAGS  := $(filter-out -W% -g,$(CFLAGS_BASE))
ENGINE_ID_SH   = set -o pipefail; { sha256sum $(NUMERICS_SRCS) && $(CC) --version | head -1 && echo '$(ENGINE_FLAGS)'; } | sha256sum | cut -c1-16

# build_info.h (version, git hash, compiler) changes with every commit: only the files that
# include it depend on it (through their .d files; order-only below, so it exists before the
# first compile). build_flags holds the compile command: every object depends on it, so a
# change of compiler or flags rebuilds everything, and a commit rebuilds five files.
$(BUILD)/build_info.h: FORCE | $(BUILD)
	@eid=$$($(ENGINE_ID_SH)) && [ $${#eid} = 16 ] || { echo "[fsweep] cannot compute the engine id"; exit 1; }; \
	  printf '#define FS_VERSION "%s"\n#define FS_GIT_HASH "%s"\n#define FS_CC "%s"\n#define FS_CFLAGS "%s"\n#define FS_ENGINE_ID "%s"\n' \
	  "$(VERSION)" "$(GIT_HASH)" "$$($(CC) --version | head -1)" "$(CFLAGS_BASE)" "$$eid" > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
$(BUILD)/build_flags: FORCE | $(BUILD)
	@printf '%s\n' "$$($(CC) --version | head -1)" "$(CFLAGS_ALL) $(MPI_CFLAGS)" "$(FUZZ_CC) $(FUZZ_CFLAGS)" > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
FORCE:

# The build-time part of the engine id, as build_info.h gets it (tests/store/test_engine_id.sh).
print-engine-id:
	@$(ENGINE_ID_SH)

$(BUILD):
	@mkdir -p $@

$(BUILD)/obj/%.o: src/%.c $(BUILD)/build_flags | $(BUILD)/build_info.h
	@mkdir -p $(@D)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS_ALL) -c $< -o $@

$(PAR_MPI): src/par/par.c $(BUILD)/build_flags | $(BUILD)/build_info.h
	@mkdir -p $(@D)
	@echo "  CC    $< (MPI)"
	@$(CC) $(CFLAGS_ALL) $(MPI_CFLAGS) -c $< -o $@

$(PAR_SER): src/par/par.c $(BUILD)/build_flags | $(BUILD)/build_info.h
	@mkdir -p $(@D)
	@echo "  CC    $< (serial)"
	@$(CC) $(CFLAGS_ALL) -DFS_NO_MPI -c $< -o $@

$(BUILD)/fsweep: $(MAIN_OBJ) $(LIB_OBJS) $(PAR_MPI)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS_ALL) $^ -o $@ $(MPI_LIBS) $(DEP_LIBS)

$(BUILD)/fsweep-serial: $(MAIN_OBJ) $(LIB_OBJS) $(PAR_SER)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS_ALL) $^ -o $@ $(DEP_LIBS)

# Unit tests link the serial par.o; tests named test_mpi_* link the MPI one.
$(BUILD)/tests/%: tests/%.c $(TEST_HDRS) $(LIB_OBJS) $(PAR_SER)
	@mkdir -p $(@D)
	@echo "  TEST  $@"
	@$(CC) $(CFLAGS_ALL) -Itests -Isrc $(if $(findstring /test_mpi_,$@),$(MPI_CFLAGS)) $< $(LIB_OBJS) \
	  $(if $(findstring /test_mpi_,$@),$(PAR_MPI),$(PAR_SER)) -o $@ $(LDFLAGS_ALL) \
	  $(if $(findstring /test_mpi_,$@),$(MPI_LIBS)) $(DEP_LIBS)

$(filter %/test_mpi_%,$(TEST_BINS)): $(PAR_MPI)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------- fuzzing (README "Fuzzing")
# One harness per parser of outside bytes: tests/fuzz/fuzz_<target>.c. Built twice: with $(CC) and
# tests/fuzz/replay.c as plain replay drivers ($(BUILD)/fuzz/replay/fuzz_<target>, run over the
# committed corpus and regression files by tests/fuzz/test_fuzz_replay.sh in `make test`), and with
# clang -fsanitize=fuzzer,address,undefined for `make fuzz` (the library compiled again with clang
# into build/fuzz/obj, the serial par.o; build/fuzz/bin/fuzz_<target>).
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES   := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_REPLAY  := $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay/fuzz_%)
FUZZ_CC      ?= clang
FUZZ_BUILD   := build/fuzz
# clang's -Wdouble-promotion also flags float -> double assignments (C11's INFINITY and NAN are
# floats) where gcc's does not, and -Wformat-nonliteral a va_list wrapper gcc accepts: both off here.
FUZZ_CFLAGS  := $(CFLAGS_BASE) -Wno-double-promotion -Wno-format-nonliteral -Iinclude -I$(BUILD) $(DEP_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
                -fno-omit-frame-pointer -fno-sanitize-recover=undefined -MMD -MP
FUZZ_OBJS    := $(LIB_SRCS:src/%.c=$(FUZZ_BUILD)/obj/%.o) $(FUZZ_BUILD)/obj/par/par.o
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/bin/fuzz_%)
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= $(FUZZ_NAMES)
.SECONDARY: $(FUZZ_OBJS) $(FUZZ_BINS)

$(BUILD)/fuzz/replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(LIB_OBJS) $(PAR_SER)
	@mkdir -p $(@D)
	@echo "  FUZZ  $@ (replay driver)"
	@$(CC) $(filter-out -MMD -MP,$(CFLAGS_ALL)) -Itests/fuzz -Isrc $< tests/fuzz/replay.c $(LIB_OBJS) $(PAR_SER) \
	  -o $@ $(LDFLAGS_ALL) $(DEP_LIBS)

$(FUZZ_BUILD)/obj/par/par.o: src/par/par.c $(BUILD)/build_flags | $(BUILD)/build_info.h
	@mkdir -p $(@D)
	@echo "  CLANG $< (serial)"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -DFS_NO_MPI -c $< -o $@

$(FUZZ_BUILD)/obj/%.o: src/%.c $(BUILD)/build_flags | $(BUILD)/build_info.h
	@mkdir -p $(@D)
	@echo "  CLANG $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_BUILD)/bin/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJS)
	@mkdir -p $(@D)
	@echo "  CLANG $@ (libFuzzer)"
	@$(FUZZ_CC) $(filter-out -fsanitize=fuzzer-no-link%,$(FUZZ_CFLAGS)) -fsanitize=fuzzer,address,undefined \
	  -Itests/fuzz -Isrc $< $(FUZZ_OBJS) -o $@ -pthread $(DEP_LIBS)

# Regenerate the committed seed corpora (tests/fuzz/make_corpus.c) after a harness's input layout changes.
fuzz-corpus: tests/fuzz/make_corpus.c tests/fuzz/fuzz.h $(LIB_OBJS) $(PAR_SER)
	@mkdir -p $(BUILD)/fuzz
	@$(CC) $(filter-out -MMD -MP,$(CFLAGS_ALL)) -Itests/fuzz -Isrc $< $(LIB_OBJS) $(PAR_SER) \
	  -o $(BUILD)/fuzz/make_corpus $(LDFLAGS_ALL) $(DEP_LIBS)
	@rm -rf tests/fuzz/corpus && $(BUILD)/fuzz/make_corpus tests/fuzz/corpus

fuzz-build:
	@command -v $(FUZZ_CC) >/dev/null || { echo "[fsweep] $(FUZZ_CC) not found: apt-get install -y clang"; exit 1; }
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/bin/fuzz_%)

# make fuzz [FUZZ_SECONDS=600] [FUZZ_TARGETS="idx npy ..."]: each target for FUZZ_SECONDS seconds.
fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) bash tests/fuzz/run_fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# make valgrind [VG_ARGS="key=value ..."]: a shrunk serial runner=real quickstart sweep, its resume,
# status and report under valgrind memcheck (tests/valgrind/run_valgrind.sh; 15-40 min).
valgrind: serial
	@FSWEEP_BIN=$(BUILD)/fsweep-serial bash tests/valgrind/run_valgrind.sh

# ---------------------------------------------------------------- workflows
test: all $(TEST_BINS) $(FUZZ_REPLAY)
	@BUILD=$(BUILD) bash tests/run_tests.sh

asan:
	@LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:fast_unwind_on_malloc=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1 \
	  $(MAKE) --no-print-directory SAN=1 test

lint: $(BUILD)/build_info.h
	@echo "== cppcheck"; command -v cppcheck >/dev/null || { echo "cppcheck missing: apt-get install -y cppcheck"; exit 1; }
	@cppcheck --quiet --std=c11 --enable=warning,performance,portability --inline-suppr --error-exitcode=1 \
	  -Iinclude -I$(BUILD) --suppress=missingIncludeSystem src/
	@echo "== clang-tidy (.clang-tidy)"; command -v clang-tidy >/dev/null || { echo "clang-tidy missing: apt-get install -y clang-tidy"; exit 1; }
	@out=$$(clang-tidy --quiet src/*/*.c -- -std=c11 -Iinclude -I$(BUILD) $(DEP_CFLAGS) $(MPI_CFLAGS) \
	  -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE 2>/dev/null | grep -E '^/.*(warning|error):'); \
	  if [ -n "$$out" ]; then echo "$$out"; echo "clang-tidy: $$(echo "$$out" | wc -l) findings"; exit 1; else echo "clang-tidy: clean"; fi

bench: all $(BENCH_BINS)
	@BUILD=$(BUILD) bash tests/run_bench.sh

run: all
	@bash jobs/local.sh

deps:
	@bash jobs/setup.sh

clean:
	rm -rf build

help:
	@sed -n '1,4p' Makefile
