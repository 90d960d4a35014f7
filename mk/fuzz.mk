# make fuzz [FUZZ_SECONDS=N]: every libFuzzer target in tests/fuzz for N seconds each,
# after replaying tests/fuzz/regressions (inputs that once crashed, kept as tests).
# The agent's sources are built again with clang and the fuzzer's instrumentation, in
# their own directory; the seeds in tests/fuzz/corpus/<target> are only read, what
# the fuzzer finds goes to build/fuzz/corpus/<target>, crashes to build/fuzz/crashes.
FUZZ_SECONDS ?= 20
FUZZ_BUILD   := build/fuzz
FUZZ_CC      := clang
# clang 14 has no -Wformat-truncation to turn off.
FUZZ_CFLAGS  := $(filter-out -O2 -Wno-format-truncation,$(CFLAGS)) -g -O1 -fno-omit-frame-pointer \
                -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
FUZZ_OBJS    := $(patsubst agent/%.c,$(FUZZ_BUILD)/agent/%.o,$(filter-out agent/main.c,$(AGENT_SRCS)))

.PHONY: fuzz fuzz-build fuzz-regressions

$(FUZZ_BUILD)/agent/%.o: agent/%.c $(wildcard agent/*.h) | $(FUZZ_BUILD)/agent
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJS)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -Iagent -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(LDLIBS)

$(FUZZ_BUILD)/agent:
	mkdir -p $@

fuzz-build:
	scripts/install-deps hardening
	$(MAKE) $(FUZZ_BINS)

# Each regression input once, through its target: a crash fails the run.
fuzz-regressions: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		d=tests/fuzz/regressions/$$t; [ -d $$d ] && [ -n "$$(ls $$d)" ] || continue; \
		echo "== $$t: replaying $$(ls $$d | wc -l) regression inputs"; \
		$(FUZZ_BUILD)/$$t -runs=0 $$d/* 2>&1 | tail -1; done

fuzz: fuzz-regressions
	@set -e; mkdir -p $(FUZZ_BUILD)/crashes; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
		echo "== $$t: $(FUZZ_SECONDS) s"; \
		$(FUZZ_BUILD)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=5 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t- \
			$(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t > $(FUZZ_BUILD)/$$t.log 2>&1 || \
			{ tail -40 $(FUZZ_BUILD)/$$t.log; echo "fuzz: $$t crashed; the input is in $(FUZZ_BUILD)/crashes (add it to tests/fuzz/regressions/$$t once fixed)"; exit 1; }; \
		grep -E "DONE|^stat::number_of_executed_units" $(FUZZ_BUILD)/$$t.log | tail -2; \
	done
