# make bench-scale [SIZES=10,256,2048]: failover, refill, failback and switchover at
# each data set size (MiB) under a redis-benchmark write load through the VIP, with
# the daemons' CPU and RSS (tests/bench/scale.py). Not a test: nothing fails.
# Memory: two copies of the largest size plus a fork's copy-on-write during syncs.
SIZES ?= 10,256,2048

.PHONY: bench-scale

bench-scale: deps
	$(MAKE) all
	RVA_SCALE_SIZES_MIB=$(SIZES) PYTHONPATH=scripts:tests:tests/bench:tests/chaos $(PYTHON) tests/bench/scale.py
