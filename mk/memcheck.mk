# make memcheck: the daemon under valgrind memcheck for MEMCHECK_SECONDS, through
# thousands of checks (interval 20 ms), Redis restarts, transitions, reloads, FIFO
# lines and control requests (tests/hardening/drive.py); zero errors and zero
# definitely lost bytes, or it fails. In CI.
# make soak: the plain daemon for SOAK_SECONDS at interval_ms 50, Redis restarted
# every 30 s, a transition every minute; RSS and open fds at the end must equal those
# at the start. Not in CI.
MEMCHECK_SECONDS ?= 60
SOAK_SECONDS     ?= 600

.PHONY: memcheck soak

memcheck: all
	scripts/install-deps hardening
	$(PYTHON) tests/hardening/drive.py --mode memcheck --seconds $(MEMCHECK_SECONDS) \
		--interval-ms 20 --redis-restart-s 15 --transition-s 10 --reload-s 10

soak: all
	scripts/install-deps test
	$(PYTHON) tests/hardening/drive.py --mode soak --seconds $(SOAK_SECONDS) \
		--interval-ms 50 --redis-restart-s 30 --transition-s 60 --reload-s 120
