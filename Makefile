# redis-vrrp-agent: one boring Makefile. Flags and libraries come from pkg-config.
#   make            build build/redis-vrrp-agent
#   make check      install missing test dependencies, then unit, integration and end-to-end tests
#   make check-matrix  make check on every supported platform (Debian 12 and 13, Redis and Valkey)
#   make bench-matrix  the failover benchmark on every supported platform, side by side
#   make packages   build the .deb and .rpm into build/packages (lintian, rpm -qlp)
#   make package-check build the .deb and .rpm, then prove the .deb on two hosts booted under systemd
#   make bench      timings (never pass/fail)
#   make demo       the two-host keepalived lab, a failover shown live (root)
#   make SANITIZE=1 build with address and undefined-behaviour sanitizers, into
#                   build/sanitize (make check SANITIZE=1 runs every suite on it)

PREFIX    ?= /usr/local
SBINDIR   ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
UNITDIR   ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= /usr/lib/tmpfiles.d
SYSUSERSDIR ?= /usr/lib/sysusers.d
MANDIR    ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
EXAMPLESDIR ?= $(PREFIX)/share/doc/redis-vrrp-agent/examples
DESTDIR   ?=
PKGS      := hiredis libnl-3.0 libnl-route-3.0 inih libsystemd
# A sanitized build has a directory of its own: make cannot tell objects built with
# other flags apart. The tests find the binaries through RVA_BUILD.
ifeq ($(SANITIZE),1)
BUILD     ?= build/sanitize
else
BUILD     ?= build
endif
export RVA_BUILD := $(abspath $(BUILD))
PYTHON    ?= /usr/bin/python3
# Which server the tests, the lab and the benchmarks run: redis or valkey.
SERVER    ?= redis
export SERVER

CC        ?= cc
CFLAGS    ?= -O2 -g
# Warnings are errors for developers and CI; distribution builds (WERROR=0) keep
# them as warnings, so that a newer compiler's new warning does not break a build.
WERROR    ?= 1
CFLAGS    += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -fno-strict-aliasing
ifeq ($(WERROR),1)
CFLAGS    += -Werror
endif
# Messages are cut to fixed-size buffers on purpose (every buffer is bounded).
CFLAGS    += -Wno-format-truncation
CFLAGS    += $(shell pkg-config --cflags $(PKGS))
# -pthread: the daemon resolves host names on short-lived threads (host_resolver.c).
LDLIBS    += $(shell pkg-config --libs $(PKGS)) -pthread
ifeq ($(SANITIZE),1)
CFLAGS    += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS   += -fsanitize=address,undefined
# Every finding stops the process that made it (so the test that drove it fails)
# and leaves a report here, which check then refuses to pass with.
SANITIZER_REPORTS := $(abspath $(BUILD))/sanitizer-reports
export ASAN_OPTIONS  := abort_on_error=1:detect_leaks=1:log_path=$(SANITIZER_REPORTS)/asan
export UBSAN_OPTIONS := halt_on_error=1:print_stacktrace=1:log_path=$(SANITIZER_REPORTS)/ubsan
endif

AGENT_SRCS := $(wildcard agent/*.c)
AGENT_OBJS := $(AGENT_SRCS:agent/%.c=$(BUILD)/agent/%.o)
# Everything but main.o: what the unit tests link against.
LIB_OBJS   := $(filter-out $(BUILD)/agent/main.o,$(AGENT_OBJS))
# The one-shot commands' binary (see agent/main.c): no libsystemd, no libnl, so a
# `check` forked by keepalived starts in about half the time. main.c and log.c are
# built a second time for it with RVA_LEAN.
LEAN_OBJS  := $(BUILD)/lean/main.o $(BUILD)/lean/log.o \
              $(addprefix $(BUILD)/agent/,config.o redis_conn.o redis_error.o redis_info.o health.o check.o \
                notification.o control_client.o run_dir.o keepalived_conf.o number.o \
                keepalived_include.o track_file.o)
LEAN_LIBS  := $(shell pkg-config --libs hiredis inih)

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all check check-matrix bench-matrix packages package-check unit integration e2e bench demo deps install clean

all: $(BUILD)/redis-vrrp-agent $(BUILD)/redis-vrrp-agentd

$(BUILD)/redis-vrrp-agentd: $(AGENT_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/redis-vrrp-agent: $(LEAN_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LEAN_LIBS)

$(BUILD)/agent/%.o: agent/%.c $(wildcard agent/*.h) | $(BUILD)/agent
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/lean/%.o: agent/%.c $(wildcard agent/*.h) | $(BUILD)/lean
	$(CC) $(CPPFLAGS) $(CFLAGS) -DRVA_LEAN -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) $(wildcard agent/*.h) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -Iagent $(shell pkg-config --cflags cmocka) $(LDFLAGS) -o $@ $< $(LIB_OBJS) \
		$(LDLIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/agent $(BUILD)/lean $(BUILD)/tests:
	mkdir -p $@

# check installs what it needs (a no-op when everything is there), then runs every test.
check: deps
	$(MAKE) all $(UNIT_BINS)
ifeq ($(SANITIZE),1)
	rm -rf $(SANITIZER_REPORTS) && mkdir -p $(SANITIZER_REPORTS)
endif
	$(MAKE) unit
	$(MAKE) integration
ifeq ($(SANITIZE),1)
	scripts/sanitizer-reports $(SANITIZER_REPORTS)
endif

# Each leg is a `make check` on one platform, in a cached Debian root when it is not
# this machine's release; one summary line a leg (scripts/check-matrix).
check-matrix:
	scripts/check-matrix $(LEGS)

packages:
	scripts/install-deps package
	scripts/package-build

# The packages, lintian, and the two booted hosts (scripts/package-check).
package-check:
	scripts/package-check

# The failover benchmark on each platform of check-matrix, then side by side.
bench-matrix:
	scripts/bench-matrix $(LEGS)

deps:
	scripts/install-deps test

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

integration: all
	$(PYTHON) -m pytest -v -ra --durations=20 tests/integration tests/e2e

# Like check, these install what they need first, then build.
bench: deps
	$(MAKE) all
	$(PYTHON) tests/bench/run.py

demo:
	scripts/install-deps lab
	$(MAKE) all
	scripts/lab demo

# The unit names /usr/sbin; point it at the SBINDIR the binary actually goes to.
# No config in /etc: the operator writes agent.conf from the example (the unit
# does not start until it exists), so a package never owns, or replaces, it.
install: all
	install -D -m 0755 $(BUILD)/redis-vrrp-agent $(DESTDIR)$(SBINDIR)/redis-vrrp-agent
	install -D -m 0755 $(BUILD)/redis-vrrp-agentd $(DESTDIR)$(SBINDIR)/redis-vrrp-agentd
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/redis-vrrp-agent
	install -d -m 0755 $(DESTDIR)$(EXAMPLESDIR)
	install -m 0644 conf/agent.conf conf/keepalived-node-a.conf conf/keepalived-node-b.conf \
		$(DESTDIR)$(EXAMPLESDIR)
	install -D -m 0644 man/redis-vrrp-agent.8 $(DESTDIR)$(MANDIR)/man8/redis-vrrp-agent.8
	install -D -m 0644 man/redis-vrrp-agent.conf.5 $(DESTDIR)$(MANDIR)/man5/redis-vrrp-agent.conf.5
	install -D -m 0644 packaging/bash-completion/redis-vrrp-agent \
		$(DESTDIR)$(BASHCOMPDIR)/redis-vrrp-agent
	# bash-completion and man find a page by the command's name: the daemon's
	# binary shares both.
	ln -sf redis-vrrp-agent $(DESTDIR)$(BASHCOMPDIR)/redis-vrrp-agentd
	ln -sf redis-vrrp-agent.8 $(DESTDIR)$(MANDIR)/man8/redis-vrrp-agentd.8
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	for unit in redis-vrrp-agent.service redis-vrrp-agent-witness.service; do \
		sed -e 's|/usr/sbin/redis-vrrp-agent|$(SBINDIR)/redis-vrrp-agent|' \
			-e 's|/etc/redis-vrrp-agent/|$(SYSCONFDIR)/redis-vrrp-agent/|' \
			packaging/systemd/$$unit > $(DESTDIR)$(UNITDIR)/$$unit && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$unit || exit 1; \
	done
	install -D -m 0644 packaging/tmpfiles/redis-vrrp-agent.conf \
		$(DESTDIR)$(TMPFILESDIR)/redis-vrrp-agent.conf
	install -D -m 0644 packaging/sysusers/redis-vrrp-agent.conf \
		$(DESTDIR)$(SYSUSERSDIR)/redis-vrrp-agent.conf
	install -D -m 0644 packaging/logrotate/redis-vrrp-agent \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d/redis-vrrp-agent

clean:
	rm -rf build

# Hardening targets (fuzz, lint, memcheck, soak), one file each.
include $(sort $(wildcard mk/*.mk))
