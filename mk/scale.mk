# make bench-scale [SIZES=10,256,2048]: failover, refill, failback and switchover at
# each data set size (MiB) under a redis-benchmark write load through the VIP, with
# the daemons' CPU and RSS (tests/bench/scale.py). Timings are never asserted; it
# fails only on a correctness target missed (a lost write, a full sync, the VIP early).
# CI runs the small form: make bench-scale SIZES=10 RVA_SCALE_SENTINEL=no.
# Memory: two copies of the largest size plus a fork's copy-on-write during syncs.
SIZES ?= 10,256,2048

.PHONY: bench-scale

bench-scale: deps
	$(MAKE) all
	RVA_SCALE_SIZES_MIB=$(SIZES) PYTHONPATH=scripts:tests:tests/bench:tests/chaos $(PYTHON) tests/bench/scale.py
