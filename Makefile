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

.PHONY: all deps bench plots test unit-tests workloads clean check-deps
.DEFAULT_GOAL := all

all: $(BIN) $(CAPTURE_SO) $(PLUGIN_SO)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/src/version.o: CPPFLAGS += -DALLOCSCOPE_VERSION='"$(VERSION)"' \
	-DALLOCSCOPE_COMMIT='"$(GIT_COMMIT)$(GIT_DIRTY)"'
$(BUILD)/obj/src/version.o: .git/HEAD $(wildcard .git/refs/heads/*)

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

bench: check-deps
	@$(MAKE) --no-print-directory all
	$(BIN) bench $(if $(STRATEGIES),-a $(STRATEGIES)) $(if $(WORKLOADS),-w $(WORKLOADS)) \
		$(if $(REPS),-n $(REPS))
	@$(MAKE) --no-print-directory plots RESULTS=results/latest

plots:
	@scripts/plot.sh $(RESULTS)

test: check-deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(TEST_PLUGIN_SO) $(TEST_PROG_BIN)
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) tests/run.sh

workloads: check-deps
	@$(MAKE) --no-print-directory all
	@scripts/capture-workloads.sh $(BUILD)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
