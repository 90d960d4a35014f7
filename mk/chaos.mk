# make chaos [MINUTES=3] [SEED=S] [WITNESS=no] [OVERLAP=yes]: random faults against the two-host lab
# (real keepalived, both agents, a witness on the client host unless WITNESS=no)
# while a client writes through the VIP; the checker fails the run on any
# acknowledged write lost outside a fault's window, a pair that does not converge, or
# two masters longer than its bounds (tests/chaos). A random seed unless SEED is
# given; a failing run keeps its logs under build/chaos/. OVERLAP=yes adds a
# control-plane fault (agent, keepalived) during about half of the others. CI runs 3
# minutes with CHAOS_CI_SEED.
#
# make chaos-sentinel [MINUTES] [SEED]: the same faults against Redis Sentinel (three
# Sentinels, one on the client host). make chaos-compare [MINUTES] [SEED] [WITNESS=no]:
# both runs with one seed, then their tables side by side (tests/chaos/compare.py);
# it fails only if the agent's run does.
MINUTES       ?= 3
OVERLAP_ARG    = $(if $(filter yes,$(OVERLAP)),--overlap)
CHAOS_CI_SEED := 20261203
COMPARE_SEED   = $(or $(SEED),$(shell od -An -N4 -tu4 /dev/urandom | tr -d ' '))
COMPARE_DIR   := build/chaos/compare

.PHONY: chaos chaos-ci chaos-sentinel chaos-compare

chaos: all
	scripts/install-deps test
	$(PYTHON) tests/chaos/run.py --minutes $(MINUTES) $(if $(SEED),--seed $(SEED)) \
		$(if $(filter no,$(WITNESS)),--no-witness) $(OVERLAP_ARG)

chaos-ci:
	$(MAKE) chaos MINUTES=3 SEED=$(CHAOS_CI_SEED)

chaos-sentinel: all
	scripts/install-deps test
	$(PYTHON) tests/chaos/run.py --sentinel --minutes $(MINUTES) $(if $(SEED),--seed $(SEED)) \
		$(OVERLAP_ARG)

# Each run's verdict is in its report; compare.py prints both and fails on the agent's.
chaos-compare: all
	scripts/install-deps test
	seed=$(COMPARE_SEED); \
	$(PYTHON) tests/chaos/run.py --minutes $(MINUTES) --seed $$seed \
		$(if $(filter no,$(WITNESS)),--no-witness) $(OVERLAP_ARG) --out $(COMPARE_DIR)/agent; \
	$(PYTHON) tests/chaos/run.py --sentinel --minutes $(MINUTES) --seed $$seed \
		$(OVERLAP_ARG) --out $(COMPARE_DIR)/sentinel; \
	$(PYTHON) tests/chaos/compare.py $(COMPARE_DIR)/agent/report.json \
		$(COMPARE_DIR)/sentinel/report.json > $(COMPARE_DIR)/side-by-side.txt; \
	status=$$?; cat $(COMPARE_DIR)/side-by-side.txt; exit $$status
