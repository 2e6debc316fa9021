# victimcount: plain GNU make.  See README.md.
#
#   make deps       install missing Debian 12 packages (needs root)
#   make            library (static and shared) and build/victimcount
#   make run        deps, build, batch the embedded example, write a report
#   make test       deps, build, run all CUnit suites
#   make sanitize   the same tests under ASan + UBSan (build-san/)
#   make valgrind   the tests under valgrind memcheck
#   make test-slow  slow statistical studies
#   make bench      benchmarks (figures go to bench/RESULTS.md)
#   make scaling    bench/scaling.sh: strong and weak scaling sweeps
#                   (make deps-bench installs gnuplot for the plot)
#   make coverage   bias, RMSE and interval coverage of every method on
#                   simulated populations (bench/COVERAGE.md; minutes)
#   make linecov    line and branch coverage of the library and the CLI by
#                   the whole suite (build-cov/; fails below the targets)
#   make fuzz       libFuzzer harnesses of fuzz/, FUZZ_SECONDS each
#                   (build-fuzz/; clang, see fuzz/README.md)
#   make lint       cppcheck and clang-tidy
#   make format     clang-format in place
#   make install    library, headers, victimcount.pc, binaries, man page
#                   under $(DESTDIR)$(PREFIX) (default /usr/local)
#   make uninstall  removes exactly what install put there
#   make test-clone git clone of the committed HEAD into an empty
#                   temporary directory, then `make test` there
#   make bindings   the R package (built and installed into build/R) and
#                   the Python module (used in place) over the library
#   make test-bindings  deps-bindings, then pytest and R CMD check
#                   --as-cran with the testthat tests (CI runs it)

# User-tunable; the project's fixed flags live in VC_CFLAGS and are always
# added, so overriding OPT or CFLAGS cannot drop -Werror or OpenMP.
CC ?= cc
OPT ?= -O2 -g
CFLAGS ?=
LDFLAGS ?=
BUILD ?= build
SANITIZE ?=

# Installation (make install): GNU's names, PREFIX as most Makefiles
# spell it; DESTDIR stages the tree for a package.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=
INSTALL ?= install
# Run after installing as root into the real tree, so the dynamic linker
# finds the new libvictimcount.so at once; tests set LDCONFIG=true.
LDCONFIG ?= ldconfig

DEBIAN_PACKAGES = gcc make pkg-config libgsl-dev libcsv-dev libcunit1-dev \
                  libjansson-dev libglpk-dev libcairo2-dev nettle-dev \
                  fonts-dejavu-core openmpi-bin libopenmpi-dev git \
                  libmicrohttpd-dev libsqlite3-dev curl openssl libicu-dev

# Only `make test-slow` needs these (it opens the report in a browser, and
# drives the intake service's pages with it through the DevTools protocol
# from node).
SLOW_DEBIAN_PACKAGES = chromium nodejs
# Only bench/scaling.sh needs these (it plots with gnuplot).
BENCH_DEBIAN_PACKAGES = gnuplot-nox
# Only `make linecov` needs these (gcovr reads gcc's gcov data).
COV_DEBIAN_PACKAGES = gcovr
# Only `make fuzz` needs these: clang with libFuzzer and the sanitizer
# runtimes, and LLVM's OpenMP (the library is built with -fopenmp).
FUZZ_DEBIAN_PACKAGES = clang libclang-rt-14-dev libomp-14-dev
# Only the R and Python bindings need these (make test-bindings);
# installed without Recommends, which would add hundreds of R packages.
# knitr, rmarkdown and pandoc build the R package's vignettes; qpdf is
# what R CMD check --as-cran checks their size with.
BINDINGS_DEBIAN_PACKAGES = python3 python3-numpy python3-pytest \
                           r-base-dev r-cran-testthat r-cran-posterior \
                           r-cran-knitr r-cran-rmarkdown pandoc qpdf

PKGS = gsl jansson cairo nettle icu-uc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ifeq ($(PKG_LIBS),)
PKG_LIBS = -lgsl -lgslcblas -lm -ljansson -lcairo -lnettle -licuuc -licudata
endif
# Debian's libcsv-dev ships no .pc file.
CSV_LIBS ?= -lcsv
# Open MPI, for build/victimcount-mpi only (cli/mpi/); its headers as
# system headers, so our -Werror -Wpedantic does not judge them.
MPI_CFLAGS := $(patsubst -I%,-isystem %,\
                $(shell pkg-config --cflags ompi-c 2>/dev/null))
MPI_LIBS := $(shell pkg-config --libs ompi-c 2>/dev/null)
ifeq ($(MPI_LIBS),)
MPI_LIBS = -lmpi
endif
# The intake service (serve/, `victimcount serve`): libmicrohttpd for HTTP,
# SQLite for the store.  Debian 12's libmicrohttpd 0.9.75-6 carries the
# fix for CVE-2023-27371 (its changelog.Debian says so).
SERVE_LIBS := $(shell pkg-config --libs libmicrohttpd sqlite3 2>/dev/null)
ifeq ($(SERVE_LIBS),)
SERVE_LIBS = -lmicrohttpd -lsqlite3
endif
CUNIT_LIBS := $(shell pkg-config --libs cunit 2>/dev/null)
ifeq ($(CUNIT_LIBS),)
CUNIT_LIBS = -lcunit
endif

WARN = -Wall -Wextra -Werror -Wpedantic -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes
VC_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -fopenmp -fPIC -I. \
            -MMD -MP $(PKG_CFLAGS)
ifneq ($(SANITIZE),)
VC_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
             -fno-sanitize-recover=all
VC_LDFLAGS = -fsanitize=$(SANITIZE)
endif
ALL_CFLAGS = $(VC_CFLAGS) $(OPT) $(CFLAGS)
LIBS = $(CSV_LIBS) $(PKG_LIBS) -lglpk -lm
ALL_LDFLAGS = -fopenmp $(VC_LDFLAGS) $(LDFLAGS)

LIB_SRC := $(sort $(wildcard core/*.c data/*.c sim/*.c estimators/*.c \
                              models/*.c report/*.c link/*.c batch/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
# The service is not part of the library: its objects go into the
# victimcount binaries only.
SERVE_SRC := $(sort $(wildcard serve/*.c))
MPI_SRC := $(sort $(wildcard cli/mpi/*.c))
TEST_SRC := $(sort $(wildcard tests/*.c))
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o) $(SERVE_SRC:%.c=$(BUILD)/%.o)
MPI_OBJ := $(MPI_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
BENCH_BIN := $(BENCH_SRC:%.c=$(BUILD)/%)
COVERAGE_BIN = $(BUILD)/bench/coverage_summary

# The library's version is core's VC_VERSION; the soname carries its
# major number (libvictimcount.so.0 -> libvictimcount.so.0.5.0).
VERSION := $(shell sed -n 's/^\#define VC_VERSION "\([^"]*\)".*/\1/p' \
             core/vc_core.h)
SOVERSION := $(firstword $(subst ., ,$(VERSION)))
SONAME = libvictimcount.so.$(SOVERSION)
STATIC_LIB = $(BUILD)/libvictimcount.a
SHARED_LIB = $(BUILD)/libvictimcount.so
SHARED_REAL = $(BUILD)/libvictimcount.so.$(VERSION)
# What `make install` ships: the public headers, every MODULE/vc_*.h
# (internal ones: each module's *_impl.h, core/fastmath.h and the
# headers of cli/ and serve/), the
# umbrella header dist/victimcount.h, which includes them all, the
# pkg-config file and the man page.
PUBLIC_HEADERS := $(sort $(wildcard */vc_*.h))
PC_FILE = $(BUILD)/victimcount.pc
MAN_PAGE = $(BUILD)/victimcount.1
CLI_BIN = $(BUILD)/victimcount
MPI_BIN = $(BUILD)/victimcount-mpi
TEST_BIN = $(BUILD)/tests/run_tests

.PHONY: all deps deps-slow deps-bench deps-cov deps-fuzz deps-bindings run test-same \
        test test-slow sanitize valgrind bench scaling coverage linecov fuzz \
        fuzz-build fuzz-harnesses lint format clean check-deps install \
        uninstall test-clone test-install man bindings test-bindings countries

all: $(STATIC_LIB) $(SHARED_LIB) $(CLI_BIN) $(MPI_BIN)

# Installs only what is missing; apt-get update runs only then, so a
# machine that has everything needs neither root nor the network.
deps:
	@missing=""; \
	for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	    grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_FLAGS) \
	    $$missing; \
	fi

deps-slow:
	@$(MAKE) --no-print-directory deps DEBIAN_PACKAGES="$(SLOW_DEBIAN_PACKAGES)"

deps-bench:
	@$(MAKE) --no-print-directory deps DEBIAN_PACKAGES="$(BENCH_DEBIAN_PACKAGES)"

deps-cov:
	@$(MAKE) --no-print-directory deps DEBIAN_PACKAGES="$(COV_DEBIAN_PACKAGES)"

deps-fuzz:
	@$(MAKE) --no-print-directory deps DEBIAN_PACKAGES="$(FUZZ_DEBIAN_PACKAGES)"

deps-bindings:
	@$(MAKE) --no-print-directory deps APT_FLAGS=--no-install-recommends \
	  DEBIAN_PACKAGES="$(BINDINGS_DEBIAN_PACKAGES)"

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/cli/mpi/%.o: cli/mpi/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(MPI_CFLAGS) -c $< -o $@

$(STATIC_LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

# Only vc_ symbols are exported (dist/libvictimcount.map); --as-needed
# keeps the CLI's libraries (jansson, nettle) out of the library's
# dependencies.
$(SHARED_REAL): $(LIB_OBJ) dist/libvictimcount.map
	$(CC) -shared $(ALL_LDFLAGS) -Wl,-soname,$(SONAME) \
	  -Wl,--version-script=dist/libvictimcount.map -Wl,--as-needed \
	  -o $@ $(LIB_OBJ) $(LIBS)

$(SHARED_LIB): $(SHARED_REAL)
	ln -sf $(notdir $<) $(BUILD)/$(SONAME)
	ln -sf $(notdir $<) $@

# --as-needed: a library none of the linked objects calls is not loaded
# at every start (the start-up of the binary is most of a small
# `estimate`; bench/RESULTS.md); -O1 gives the dynamic linker shorter
# hash chains.
CLI_LDFLAGS = -Wl,--as-needed -Wl,-O1

# The libraries cli/lazylib.c loads at first use must not be needed at
# start: a function of theirs newly called without a forwarding definition
# there would bring its library back silently, so the link fails instead.
LAZY_LIBS_RE = libcairo|libmicrohttpd|libsqlite3|libglpk|libicu

$(CLI_BIN): $(CLI_OBJ) $(STATIC_LIB)
	$(CC) $(ALL_LDFLAGS) $(CLI_LDFLAGS) -o $@ $(CLI_OBJ) $(STATIC_LIB) \
	  $(LIBS) $(SERVE_LIBS) -lpthread
	@if readelf -d $@ | grep NEEDED | grep -E '$(LAZY_LIBS_RE)'; then \
	  echo "$@ needs the libraries above at start: add the functions" \
	       "it calls of theirs to cli/lazylib.c"; \
	  nm -D --undefined-only $@ | grep -E ' (cairo_|MHD_|sqlite3_|glp_|u_|unorm2_)' || true; \
	  rm -f $@; exit 1; fi

# The MPI build of the CLI: the same objects with another main().
$(MPI_BIN): $(MPI_OBJ) $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ)) \
            $(STATIC_LIB)
	$(CC) $(ALL_LDFLAGS) $(CLI_LDFLAGS) -o $@ $(MPI_OBJ) \
	  $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ)) $(STATIC_LIB) $(LIBS) \
	  $(SERVE_LIBS) $(MPI_LIBS)

# The test binary holds the CLI's objects (but main) for the
# allocation-failure suite (tests/test_alloc.c), and every allocator the
# library and the CLI call is wrapped so that its hooks see them.
ALLOC_WRAP = malloc calloc realloc free strdup strndup aligned_alloc \
             posix_memalign open_memstream gsl_rng_alloc gsl_rng_free \
             gsl_matrix_alloc gsl_matrix_free gsl_root_fsolver_alloc \
             gsl_root_fsolver_free gsl_integration_fixed_alloc \
             gsl_integration_fixed_free csv_init
TEST_WRAP = $(foreach f,$(ALLOC_WRAP),-Wl,--wrap=$(f))
TEST_CLI_OBJ = $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ))

$(TEST_BIN): $(TEST_OBJ) $(TEST_CLI_OBJ) $(STATIC_LIB)
	$(CC) $(ALL_LDFLAGS) $(TEST_WRAP) -o $@ $(TEST_OBJ) $(TEST_CLI_OBJ) \
	  $(STATIC_LIB) $(LIBS) $(SERVE_LIBS) -lpthread $(CUNIT_LIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(STATIC_LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(STATIC_LIB) $(LIBS)

# The table of country names and codes (link/countries.inc) from ICU's
# CLDR data; committed, so the build never depends on ICU's version.  Run
# by hand when the table should follow a newer CLDR (a new table is a new
# schema hash: link/country.c), then commit the result.
$(BUILD)/gen_countries: link/gen/gen_countries.c $(STATIC_LIB)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(STATIC_LIB) $(LIBS)

countries: $(BUILD)/gen_countries
	$(BUILD)/gen_countries > link/countries.inc.tmp
	mv link/countries.inc.tmp link/countries.inc

EXAMPLE = data/examples/central-asia.csv
RUN_DIR = $(BUILD)/central-asia

# The embedded example: the SYNTHETIC Central Asia lists, every stratum
# with three methods; lcm at 20,000 sweeps per chain so the whole batch
# takes seconds on two cores.
run: deps
	$(MAKE) all
	./$(CLI_BIN) batch $(EXAMPLE) --strata country,year \
	  --methods chapman,loglinear,lcm,dga --iterations 20000 --burnin 5000 \
	  --until-converged --out $(RUN_DIR)

# The CLI tests in the suite run $(CLI_BIN) and, under mpirun,
# $(MPI_BIN), so they are built first.  Then the installation is checked
# (not under SANITIZE: a sanitized libvictimcount.so needs its runtime
# preloaded into the example program).
test: deps
	$(MAKE) all $(TEST_BIN)
	VC_CLI=$(CLI_BIN) VC_MPI_CLI=$(MPI_BIN) ./$(TEST_BIN)
	$(MAKE) --no-print-directory test-same
ifeq ($(SANITIZE),)
	$(MAKE) --no-print-directory test-install
endif

# Same bytes (issue 14): every command's output against the outputs
# recorded in tests/golden/ (timing fields aside).  A change that means
# to change an output records it again (tests/same_bytes.sh CLI --record)
# and says why in its commit.
test-same: $(CLI_BIN)
	sh tests/same_bytes.sh $(CLI_BIN)

# Install into temporary prefixes, build and run a program against the
# library through pkg-config (shared and static), check every installed
# header and the man page, uninstall and check that nothing is left.
test-install: all $(PC_FILE) $(MAN_PAGE)
	MAKE="$(MAKE)" BUILD=$(BUILD) CC="$(CC)" sh tests/install/check.sh

# The check a new user makes: a clone of the committed HEAD (not the
# working tree) alone in an empty directory, then `make test` there with
# no VC_REFDATA: whatever the tests need must be in the repository.
test-clone: deps
	sh tests/clone.sh

# ---------------------------------------------------------------- bindings

# The R package is built (R CMD build, which runs its vignettes) and
# installed into $(R_LIB) against the library of this tree; the Python
# module needs no build and finds $(SHARED_LIB) when used in place
# (VICTIMCOUNT_LIB says so explicitly).
# Debian's python3: the packages it needs are Debian's.
PYTHON ?= /usr/bin/python3
R_LIB = $(BUILD)/R
R_TARBALL = $(BUILD)/victimcount_$(VERSION).tar.gz
R_ENV = VICTIMCOUNT_HOME=$(CURDIR) VICTIMCOUNT_LIBDIR=$(CURDIR)/$(BUILD)
BINDINGS_TEST_ENV = VC_CLI=$(CURDIR)/$(CLI_BIN) \
                    VC_REFDATA=$(CURDIR)/data/reference \
                    VICTIMCOUNT_LIB=$(CURDIR)/$(SHARED_LIB)

bindings: all
	@mkdir -p $(R_LIB)
	rm -f $(R_TARBALL)
	cd $(BUILD) && $(R_ENV) R CMD build $(CURDIR)/bindings/r
	$(R_ENV) R CMD INSTALL --no-multiarch -l $(R_LIB) $(R_TARBALL)

# pytest, then R CMD check --as-cran of the built package (no network:
# the CRAN incoming checks are off; no PDF manual: that needs LaTeX),
# which runs the examples and the testthat tests.  Any WARNING or NOTE
# fails the target, as an ERROR does.
test-bindings: deps-bindings bindings
	cd bindings/python && $(BINDINGS_TEST_ENV) $(PYTHON) -m pytest -q \
	  -p no:cacheprovider tests
	rm -rf $(BUILD)/victimcount.Rcheck
	cd $(BUILD) && $(R_ENV) $(BINDINGS_TEST_ENV) \
	  _R_CHECK_CRAN_INCOMING_=false _R_CHECK_CRAN_INCOMING_REMOTE_=false \
	  _R_CHECK_SYSTEM_CLOCK_=0 R CMD check --as-cran --no-manual \
	  $(notdir $(R_TARBALL))
	@if grep -E '(WARNING|NOTE)$$' $(BUILD)/victimcount.Rcheck/00check.log; \
	then echo "R CMD check: warnings or notes (above)"; exit 1; fi

# ---------------------------------------------------------------- install

$(PC_FILE): dist/victimcount.pc.in core/vc_core.h Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' \
	  -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
	  -e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
	  -e 's|@VERSION@|$(VERSION)|' $< > $@.tmp
	mv $@.tmp $@

# The man page is written from the --help of every subcommand
# (dist/mkman.sh), so it cannot say something --help does not.
man: $(MAN_PAGE)
$(MAN_PAGE): $(CLI_BIN) dist/mkman.sh
	sh dist/mkman.sh $(CLI_BIN) > $@.tmp
	mv $@.tmp $@

INSTALLED_HEADERS = $(PUBLIC_HEADERS:%=$(INCLUDEDIR)/victimcount/%) \
                    $(INCLUDEDIR)/victimcount/victimcount.h
INSTALLED = $(INSTALLED_HEADERS) \
            $(LIBDIR)/libvictimcount.so.$(VERSION) $(LIBDIR)/$(SONAME) \
            $(LIBDIR)/libvictimcount.so $(LIBDIR)/libvictimcount.a \
            $(PKGCONFIGDIR)/victimcount.pc $(BINDIR)/victimcount \
            $(BINDIR)/victimcount-mpi $(MANDIR)/man1/victimcount.1 \
            $(MANDIR)/man1/victimcount-mpi.1

# The .pc file is rewritten on every install: PREFIX may differ from the
# last build's.
install: all $(MAN_PAGE)
	rm -f $(PC_FILE)
	$(MAKE) --no-print-directory $(PC_FILE)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
	  $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(addprefix $(DESTDIR)$(INCLUDEDIR)/victimcount/,\
	    $(sort $(dir $(PUBLIC_HEADERS))))
	for h in $(PUBLIC_HEADERS); do \
	  $(INSTALL) -m 644 $$h $(DESTDIR)$(INCLUDEDIR)/victimcount/$$h \
	    || exit 1; \
	done
	$(INSTALL) -m 644 dist/victimcount.h $(DESTDIR)$(INCLUDEDIR)/victimcount/
	$(INSTALL) -m 755 $(SHARED_REAL) $(DESTDIR)$(LIBDIR)/
	ln -sf libvictimcount.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libvictimcount.so
	$(INSTALL) -m 644 $(STATIC_LIB) $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 644 $(PC_FILE) $(DESTDIR)$(PKGCONFIGDIR)/
	$(INSTALL) -m 755 $(CLI_BIN) $(MPI_BIN) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 644 $(MAN_PAGE) $(DESTDIR)$(MANDIR)/man1/
	printf '.so man1/victimcount.1\n' \
	  > $(DESTDIR)$(MANDIR)/man1/victimcount-mpi.1
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	  echo $(LDCONFIG); $(LDCONFIG) || true; fi

# Removes the files install wrote and the include/victimcount tree, no
# other directory (bin/, lib/ may hold other programs' files).
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	for d in $(sort $(dir $(PUBLIC_HEADERS))); do \
	  rmdir $(DESTDIR)$(INCLUDEDIR)/victimcount/$$d 2>/dev/null || true; \
	done
	rmdir $(DESTDIR)$(INCLUDEDIR)/victimcount 2>/dev/null || true

test-slow: test deps-slow
	VC_CLI=$(CLI_BIN) VC_MPI_CLI=$(MPI_BIN) VC_SLOW=1 ./$(TEST_BIN)
	VC_CLI=$(CLI_BIN) sh tests/browser/serve_browser.sh
	VC_CLI=$(CLI_BIN) sh tests/browser/report_browser.sh

# fontconfig's process-wide cache (through cairo) is never freed: see
# tests/lsan.supp.
sanitize: deps
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  $(MAKE) BUILD=build-san SANITIZE=address,undefined OPT="-O1 -g" test

# The alloc suite tries 8 failures per call here (60 in make test): under
# valgrind each try costs seconds.  fontconfig's process-wide cache is
# suppressed as for LeakSanitizer (tests/valgrind.supp).
valgrind: deps
	$(MAKE) all $(TEST_BIN)
	VC_CLI=$(CLI_BIN) VC_MPI_CLI=$(MPI_BIN) VC_ALLOC_TRIES=8 valgrind --error-exitcode=1 --leak-check=full \
	  --errors-for-leak-kinds=definite \
	  --suppressions=$(CURDIR)/tests/valgrind.supp ./$(TEST_BIN)

bench: deps
	$(MAKE) all $(BENCH_BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; ./$$b || exit 1; done

# The scaling sweeps of bench/scaling.sh (strong: threads; weak: MPI
# workers); never part of `make test`.  SCALING_ARGS pass through, e.g.
# make scaling SCALING_ARGS='-n 5 -s weak'; the figures go to
# build/scaling (bench/RESULTS.md has those measured).
scaling: deps deps-bench
	$(MAKE) all
	VC_CLI=$(CLI_BIN) VC_MPI_CLI=$(MPI_BIN) \
	  sh bench/scaling.sh $(SCALING_ARGS)

# The coverage study: REPS populations per scenario (default 200) through
# `victimcount batch`; resumable (its cache is build/coverage/*/cache) and
# never part of `make test`.  REPS, SEED, THREADS, BOOT and LCM pass
# through to bench/coverage.sh; the tables go to
# $(COVERAGE_OUT)/coverage.md.
COVERAGE_OUT ?= $(BUILD)/coverage
coverage: deps
	$(MAKE) all $(COVERAGE_BIN)
	VC=$(CLI_BIN) SUMMARY=$(COVERAGE_BIN) OUT=$(COVERAGE_OUT) \
	  sh bench/coverage.sh

# Line and branch coverage by the whole suite (bench/COVERAGE.md, "Line
# coverage"): a -O1 --coverage build in build-cov/, counters zeroed, the
# suite (which also runs the CLI and the MPI CLI of that build), then
# gcovr once for the library and once for the CLI, each per file and in
# total.  Fails when a figure is under its target or a test failed (the
# report is printed either way); tests/ and bench/ are not counted.
COV_BUILD = build-cov
COV_LIB_DIRS = core data estimators models report sim link batch
COV_LIB_LINES ?= 97
COV_LIB_BRANCHES ?= 85
COV_CLI_LINES ?= 92
linecov: deps deps-cov
	$(MAKE) BUILD=$(COV_BUILD) OPT="-O1 -g --coverage" LDFLAGS=--coverage \
	  all $(COV_BUILD)/tests/run_tests
	find $(COV_BUILD) -name '*.gcda' -delete
	VC_CLI=$(COV_BUILD)/victimcount VC_MPI_CLI=$(COV_BUILD)/victimcount-mpi \
	  ./$(COV_BUILD)/tests/run_tests; echo $$? > $(COV_BUILD)/suite-status
	gcovr --root . --object-directory $(COV_BUILD) \
	  $(foreach d,$(COV_LIB_DIRS) cli,--filter '$(d)/') \
	  --exclude-unreachable-branches --json $(COV_BUILD)/coverage.json
	@echo "== library ($(COV_LIB_DIRS)): lines >= $(COV_LIB_LINES) %, branches >= $(COV_LIB_BRANCHES) %"
	@$(COV_REPORT) $(foreach d,$(COV_LIB_DIRS),--filter '$(d)/') --txt -
	@$(COV_REPORT) $(foreach d,$(COV_LIB_DIRS),--filter '$(d)/') \
	  --branches --txt - --fail-under-line $(COV_LIB_LINES) \
	  --fail-under-branch $(COV_LIB_BRANCHES) \
	  && echo "library: targets met" > $(COV_BUILD)/verdict \
	  || echo "library: targets NOT met" > $(COV_BUILD)/verdict
	@echo "== CLI (cli/): lines >= $(COV_CLI_LINES) %"
	@$(COV_REPORT) --filter 'cli/' --txt -
	@$(COV_REPORT) --filter 'cli/' --branches --txt - \
	  --fail-under-line $(COV_CLI_LINES) \
	  && echo "CLI: target met" >> $(COV_BUILD)/verdict \
	  || echo "CLI: target NOT met" >> $(COV_BUILD)/verdict
	@test "$$(cat $(COV_BUILD)/suite-status)" = 0 \
	  || echo "the suite FAILED (exit $$(cat $(COV_BUILD)/suite-status)): figures of a failed run" >> $(COV_BUILD)/verdict
	@cat $(COV_BUILD)/verdict; ! grep -q 'NOT\|FAILED' $(COV_BUILD)/verdict
COV_REPORT = gcovr --root . --add-tracefile $(COV_BUILD)/coverage.json \
	  --sort-percentage

# libFuzzer harnesses (fuzz/, one per parser of untrusted input), built
# with clang into build-fuzz/ with ASan and UBSan; each runs FUZZ_SECONDS
# (default 60) on its corpus build-fuzz/corpus/NAME, seeded from
# fuzz/seeds/NAME, tests/fixtures/fuzz/NAME (every input that ever failed)
# and, for the CSV intake, tests/fixtures/ and data/reference/.  Inputs
# that fail are written to build-fuzz/artifacts/ and stop the run.
# FUZZ_ARGS pass through to every harness (e.g. -runs=10000000, or
# -jobs=2).  Standard error is closed (-close_fd_mask=2: cli_parse prints
# why it refuses an option); libFuzzer's lines, sanitizer reports and the
# harnesses' property failures still come through.  Not part of `make
# test`, which would need clang and a second build of the library: every
# failure found is a CUnit test there instead.
FUZZ_SECONDS ?= 60
# An input slower than this is a failure (a hang); at 10 s a shared,
# loaded machine reported inputs that run in milliseconds alone.
FUZZ_TIMEOUT ?= 60
FUZZ_ARGS ?=
FUZZ_BUILD = build-fuzz
FUZZ_NAMES := $(patsubst fuzz/fuzz_%.c,%,$(sort $(wildcard fuzz/fuzz_*.c)))
FUZZ_BIN := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_SEEDS_csv = tests/fixtures data/reference
fuzz: deps deps-fuzz
	$(MAKE) fuzz-build
	@set -e; for h in $(FUZZ_NAMES); do \
	  corpus=$(FUZZ_BUILD)/corpus/$$h; \
	  mkdir -p $$corpus $(FUZZ_BUILD)/artifacts; \
	  seeds="fuzz/seeds/$$h"; \
	  [ -d tests/fixtures/fuzz/$$h ] && seeds="$$seeds tests/fixtures/fuzz/$$h"; \
	  [ $$h = csv ] && seeds="$$seeds $(FUZZ_SEEDS_csv)"; \
	  echo "== fuzz_$$h: $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=$(FUZZ_TIMEOUT) -close_fd_mask=2 -print_final_stats=1 \
	    -dict=fuzz/$$h.dict \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$h- $(FUZZ_ARGS) \
	    $$corpus $$seeds; \
	done

# The harnesses link the library built by clang with the fuzzer's
# coverage instrumentation; clang warns where `omp simd` cannot vectorise
# at -O1, which is no error here.
fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang OPT="-O1 -g" \
	  SANITIZE=fuzzer-no-link,address,undefined CFLAGS=-Wno-pass-failed \
	  fuzz-harnesses

fuzz-harnesses: $(FUZZ_BIN)

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.h $(BUILD)/cli/opts.o \
                      $(BUILD)/cli/optable.o $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $< \
	  $(BUILD)/cli/opts.o $(BUILD)/cli/optable.o $(STATIC_LIB) $(LIBS)

# The service's harness calls serve/'s parsers: its objects, libmicrohttpd
# and SQLite besides the library.
$(BUILD)/fuzz/fuzz_serve: fuzz/fuzz_serve.c fuzz/fuzz_common.h \
                          $(SERVE_SRC:%.c=$(BUILD)/%.o) $(STATIC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $< \
	  $(SERVE_SRC:%.c=$(BUILD)/%.o) $(STATIC_LIB) $(LIBS) $(SERVE_LIBS) \
	  -lpthread

lint:
	cppcheck --quiet --error-exitcode=1 --std=c11 -I. \
	  --suppress=missingIncludeSystem core data sim estimators models \
	  report link batch cli serve
	clang-tidy $(LIB_SRC) $(CLI_SRC) $(SERVE_SRC) -- -std=c11 -I. \
	  $(PKG_CFLAGS)

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(SERVE_SRC) $(MPI_SRC) $(TEST_SRC) \
	  $(wildcard */*.h) $(wildcard cli/mpi/*.h)

clean:
	rm -rf build build-san build-cov

	rm -rf build build-san build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(MPI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
