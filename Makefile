# allocscope - GNU Make entry points (see README.md):
#   make            build build/allocscope, the capture library and the example plugin
#   make bench      the default matrix, then plots, into results/latest
#   make plots      re-render plots for RESULTS=dir (default results/latest)
#   make test       every test (SANITIZE=1: the same under ASan and UBSan)
#   make workloads  (re)capture the real-program traces into workloads/captured/
#   make deps       install the Debian packages the tool needs
# Variables: STRATEGIES=a,b  WORKLOADS=x.yaml,y.yaml  REPS=n  RESULTS=dir

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -MMD -MP -pthread
CPPFLAGS += -D_GNU_SOURCE -Isrc -Iallocators
LDLIBS  += -lyaml -lxxhash -ldl -lm -lpthread

ifeq ($(SANITIZE),1)
BUILD   ?= build/san
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else
BUILD   ?= build
endif

GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
GIT_DIRTY  := $(shell git diff --quiet HEAD -- src allocators 2>/dev/null || echo -dirty)
VERSION    := 0.1.0

BIN        := $(BUILD)/allocscope
CAPTURE_SO := $(BUILD)/liballocscope_capture.so
PLUGIN_SO  := $(BUILD)/plugins/example_bump.so

HARNESS_SRC := $(filter-out src/main.c,$(wildcard src/*.c)) $(wildcard allocators/*.c)
HARNESS_OBJ := $(HARNESS_SRC:%.c=$(BUILD)/obj/%.o)
PRELOAD_SRC := $(wildcard src/preload/*.c)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_PLUGIN_SRC := $(wildcard tests/plugins/*.c)
TEST_PLUGIN_SO  := $(TEST_PLUGIN_SRC:tests/plugins/%.c=$(BUILD)/tests/plugins/%.so)
TEST_PROG_SRC   := $(wildcard tests/progs/*.c)
TEST_PROG_BIN   := $(TEST_PROG_SRC:tests/progs/%.c=$(BUILD)/tests/progs/%)

STRATEGIES ?=
WORKLOADS  ?=
REPS       ?=
RESULTS    ?= results/latest

# A value as one shell word, whatever spaces or quotes it holds.
shell_quote = '$(subst ','\'',$(1))'

.PHONY: all deps bench plots test unit-tests workloads clean check-deps fuzz fuzz-regress
.DEFAULT_GOAL := all

all: $(BIN) $(CAPTURE_SO) $(PLUGIN_SO)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/src/version.o: CPPFLAGS += -DALLOCSCOPE_VERSION='"$(VERSION)"' \
	-DALLOCSCOPE_COMMIT='"$(GIT_COMMIT)$(GIT_DIRTY)"'
# The stamp holds the commit and dirtiness and is rewritten only when they
# change, so version.o is rebuilt exactly then (a source edited after a
# commit makes the binary say -dirty).
VERSION_STAMP := $(BUILD)/version-stamp
$(shell mkdir -p $(BUILD) && { echo '$(GIT_COMMIT)$(GIT_DIRTY)' | cmp -s - $(VERSION_STAMP) || \
	echo '$(GIT_COMMIT)$(GIT_DIRTY)' > $(VERSION_STAMP); })
$(BUILD)/obj/src/version.o: $(VERSION_STAMP)

$(BIN): $(BUILD)/obj/src/main.o $(HARNESS_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# The capture library runs inside other programs: no sanitizers, no libyaml.
$(CAPTURE_SO): $(PRELOAD_SRC) $(wildcard src/preload/*.h)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -std=gnu11 -Wall -Wextra -fPIC -shared -pthread -Isrc \
		$(PRELOAD_SRC) -o $@ -ldl

$(BUILD)/plugins/%.so: allocators/plugins/%.c allocators/allocator.h allocators/os_heap.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -std=gnu11 -Wall -Wextra -fPIC -shared -Iallocators $< allocators/os_heap.c -o $@

$(BUILD)/tests/plugins/%.so: tests/plugins/%.c allocators/allocator.h allocators/os_heap.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -std=gnu11 -Wall -Wextra -fPIC -shared -Iallocators $< allocators/os_heap.c -o $@

$(BUILD)/tests/progs/%: tests/progs/%.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -std=gnu11 -Wall -Wextra -pthread -fno-builtin $< -o $@

$(BUILD)/tests/%: tests/unit/%.c $(HARNESS_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lcmocka

# Installs missing Debian packages (as root) or says the command to run.
deps:
	@scripts/deps.sh install

check-deps:
	@scripts/deps.sh ensure

# The real-program workloads are captured once, when absent (make workloads
# re-captures them).
bench: check-deps
	@$(MAKE) --no-print-directory all
	@ls workloads/captured/*.yaml >/dev/null 2>&1 || scripts/capture-workloads.sh $(BUILD)
	@# A row that is not ok makes bench exit 1; the plots are still drawn
	@# (they footnote such rows) before make reports the failure.
	@$(BIN) bench $(if $(STRATEGIES),-a $(call shell_quote,$(STRATEGIES))) \
		$(if $(WORKLOADS),-w $(call shell_quote,$(WORKLOADS))) \
		$(if $(REPS),-n $(call shell_quote,$(REPS))); rc=$$?; \
	if [ $$rc -le 1 ]; then $(MAKE) --no-print-directory plots RESULTS=results/latest || exit; fi; \
	exit $$rc

plots:
	@scripts/plot.sh $(call shell_quote,$(RESULTS))

test: check-deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(TEST_PLUGIN_SO) $(TEST_PROG_BIN)
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) tests/run.sh

workloads: check-deps
	@$(MAKE) --no-print-directory all
	@scripts/capture-workloads.sh $(BUILD)

# ---- fuzzing (clang's libFuzzer) -------------------------------------------
# make fuzz          builds build/fuzz/fuzz_* and runs each for FUZZ_SECONDS,
#                    seeded from tests/corpus/<target>/; new inputs go to
#                    build/fuzz/corpus/<target>/, crashes to build/fuzz/crashes/
#                    (copy a fixed crash's input into tests/corpus/<target>/)
# make fuzz-regress  runs each fuzz binary once over tests/corpus/<target>/*
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/fuzz
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB_SRC := src/diag.c src/fileio.c src/idhash.c src/u64map.c src/mem_avail.c src/trace.c src/trace_builder.c \
	src/trace_load.c src/trace_parse.c src/trace_cache.c src/trace_write.c src/gen.c src/gen_spec.c src/gen_dist.c \
	src/gen_yaml.c src/yaml_quote.c $(wildcard src/import_*.c)
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_TARGETS := trace_load gen import_malloclab import_mtrace import_android
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz_import_%: tests/fuzz/fuzz_import.c $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DFUZZ_IMPORT_FORMAT='"$*"' \
		$^ -o $@ $(LDLIBS)

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -o $@ $(LDLIBS)

# -max_len per target: a few times the largest seed, so mutations can grow it.
fuzz: $(FUZZ_BIN)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes/$$t tests/corpus/$$t; \
		echo "== fuzz_$$t for $(FUZZ_SECONDS)s"; \
		$(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-max_len=$$(case $$t in trace_load) echo 16384;; gen) echo 4096;; *) echo 8192;; esac) \
			-artifact_prefix=$(FUZZ_BUILD)/crashes/$$t/ -print_final_stats=1 \
			$(FUZZ_BUILD)/corpus/$$t tests/corpus/$$t || exit 1; \
	done

fuzz-regress: $(FUZZ_BIN)
	@for t in $(FUZZ_TARGETS); do \
		n=$$(ls tests/corpus/$$t | wc -l); \
		echo "== fuzz_$$t over $$n inputs in tests/corpus/$$t"; \
		$(FUZZ_BUILD)/fuzz_$$t -timeout=10 tests/corpus/$$t/* >$(FUZZ_BUILD)/regress-$$t.log 2>&1 \
			|| { tail -n 40 $(FUZZ_BUILD)/regress-$$t.log; exit 1; }; \
	done

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
