# make chaos [MINUTES=3] [SEED=S] [WITNESS=no]: random faults against the two-host lab
# (real keepalived, both agents, a witness on the client host unless WITNESS=no)
# while a client writes through the VIP; the checker fails the run on any
# acknowledged write lost outside a fault's window, a pair that does not converge, or
# two masters longer than its bounds (tests/chaos). A random seed unless SEED is
# given; a failing run keeps its logs under build/chaos/. CI runs 3 minutes with
# CHAOS_CI_SEED.
MINUTES       ?= 3
CHAOS_CI_SEED := 20261203

.PHONY: chaos chaos-ci

chaos: all
	scripts/install-deps test
	$(PYTHON) tests/chaos/run.py --minutes $(MINUTES) $(if $(SEED),--seed $(SEED)) \
		$(if $(filter no,$(WITNESS)),--no-witness)

chaos-ci:
	$(MAKE) chaos MINUTES=3 SEED=$(CHAOS_CI_SEED)
