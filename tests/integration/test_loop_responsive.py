"""The daemon's loop never waits on Redis: with the peer blackholed (a listener that
accepts and never answers), the local Redis stopped, or a large snapshot being copied,
a FIFO line and a control request are still handled at once, and a transition
superseded in the middle of a command leaves nothing behind (checked under ASan).
Every Redis timeout here is seconds long, so a blocking call would show as a wait of
seconds; the bounds asserted are generous, only to tell the two apart."""
import os
import re
import signal
import subprocess
import time

import pytest

from daemon_harness import FAST_FULL_SYNC, role
from helpers import ROOT, Blackhole, fill_incompressible, wait_for

# A call that blocked on a stopped or silent server would take one of these.
SLOW_TIMEOUTS = {"connect_timeout_ms": 2000, "command_timeout_ms": 2000}
# Far below every timeout above: an answer slower than this waited on Redis.
PROMPT_S = 1.0


@pytest.fixture
def blackhole():
    hole = Blackhole()
    yield hole
    hole.close()


def fifo_line_handled_within(d, line, log_text):
    """Write a FIFO line; seconds until the daemon's log shows it handled."""
    start = time.monotonic()
    d.write_fifo(line)
    wait_for(f"'{log_text}' in the daemon's log", lambda: log_text in d.log(), timeout=30,
             interval=0.002)
    return time.monotonic() - start


def test_fifo_and_control_answered_while_peer_blackholed_and_local_stopped(
        redis_factory, daemons, blackhole):
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    d = daemons("agent", local.port, blackhole.port,
                {"redis": SLOW_TIMEOUTS, "peer": SLOW_TIMEOUTS}).start(timeout=20)
    local.kill(signal.SIGSTOP)
    try:
        # A MASTER transition now waits on both servers' INFO ...
        fifo_line_handled_within(d, 'INSTANCE "VI_1" MASTER 100\n', "starting MASTER transition")
        # ... and meanwhile the loop answers and takes the next notification.
        assert_answers_promptly(d, "status --json", 'INSTANCE "VI_1" FAULT 100\n',
                                "notification INSTANCE VI_1 FAULT")
        d.wait_log("superseded by a newer notification")
    finally:
        local.kill(signal.SIGCONT)
    d.wait_log("FAULT done", timeout=30)
    d.stop()


def assert_answers_promptly(d, status_request, fifo_line, handled_log):
    """While something holds a Redis call (or a copy) open: a control request and a
    FIFO line are both answered within PROMPT_S."""
    reply, took = d.request(status_request)
    assert reply.startswith("ok\n") and took < PROMPT_S, (took, reply)
    took = fifo_line_handled_within(d, fifo_line, handled_log)
    assert took < PROMPT_S, took


def children_of(pid):
    try:
        return [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except FileNotFoundError:
        return []


def test_fifo_and_control_answered_while_a_large_snapshot_is_copied(redis_factory, daemons):
    """A BACKUP that must save our data first (the peer is a master on another
    history): the copy runs in a child, held stopped here while the loop is asked
    things. A newer notification then cancels the copy: the child is gone and no
    partial file stays."""
    peer = redis_factory("peer", extra=[FAST_FULL_SYNC]).start()
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    fill_incompressible(local, 256)
    d = daemons("agent", local.port, peer.port, {"redis": {"command_timeout_ms": 5000}}).start()
    d.write_fifo('INSTANCE "VI_1" BACKUP 90\n')
    snapshots = d.dir / "snapshots"

    def partial_files():
        return [p for p in snapshots.iterdir() if p.name.endswith(".partial")] \
            if snapshots.exists() else []

    copier = wait_for("the snapshot copy's child process", lambda: children_of(d.pid), timeout=60,
                      interval=0.0005)[0][0]
    wait_for("the copy's partial file", partial_files, timeout=10, interval=0.0005)
    os.kill(copier, signal.SIGSTOP)
    try:
        assert_answers_promptly(d, "status", 'INSTANCE "VI_2" MASTER 100\n',
                                "not about instance VI_1")
        # Superseded mid-copy: the copy is killed (a stopped child too) and cleaned up.
        d.write_fifo('INSTANCE "VI_1" FAULT 100\n')
        d.wait_log("superseded by a newer notification", timeout=30)
    finally:
        try:
            os.kill(copier, signal.SIGCONT)
        except ProcessLookupError:
            pass
    wait_for("the copy's child to be reaped", lambda: not children_of(d.pid), timeout=10)
    assert not os.path.exists(f"/proc/{copier}"), "the copying child was not reaped"
    assert not partial_files()
    assert not list(snapshots.glob("*.rdb")), "a cancelled copy left a snapshot"
    d.stop()


@pytest.fixture(scope="session")
def asan_agent():
    """The agent built with AddressSanitizer and UBSan, beside the normal build."""
    build = ROOT / "build" / "asan"
    subprocess.run(["make", "-s", "-C", str(ROOT), f"BUILD={build}", "SANITIZE=1",
                    f"{build}/redis-vrrp-agent", f"{build}/redis-vrrp-agentd"],
                   check=True, timeout=600)
    return build / "redis-vrrp-agent"


def test_a_transition_superseded_mid_command_leaves_no_stray_reply_handler(
        redis_factory, daemons, asan_agent):
    """The peer answers, then stops: the MASTER transition's INFO to it is still owed
    when a BACKUP supersedes the transition and frees it. That reply (a timeout)
    comes seconds later; its handler must be gone. Under ASan, a call into the freed
    transition, a leak or undefined behaviour shows in the log and in the exit code."""
    peer = redis_factory("peer", extra=[FAST_FULL_SYNC]).start()
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    # peer_silent_ms long: the daemon must not know the peer is gone, so that the
    # transition asks it.
    d = daemons("agent", local.port, peer.port,
                {"peer": {"command_timeout_ms": 3000}, "check": {"peer_silent_ms": 60000}},
                agent=asan_agent).start(timeout=30)
    peer.kill(signal.SIGSTOP)
    try:
        d.write_fifo('INSTANCE "VI_1" MASTER 100\n')
        d.wait_log("starting MASTER transition")
        d.write_fifo('INSTANCE "VI_1" BACKUP 90\n')
        d.wait_log("superseded by a newer notification")
        # The BACKUP asks the peer too; its answer times out with the MASTER's owed one.
        d.wait_log("unreachable (timeout after 3000 ms", timeout=30)
    finally:
        peer.kill(signal.SIGCONT)
    d.wait_log("BACKUP done", timeout=30)
    d.stop(timeout=30)
    log = d.log()
    for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
        assert marker not in log, log


def test_a_master_transition_gives_up_on_a_peer_silent_for_peer_silent_ms(redis_factory,
                                                                         daemons):
    """The peer stops answering just before keepalived says MASTER, too recently for the
    daemon's peer watch to know (it polls once a minute here): the transition's own INFO
    to the peer, unanswered for peer_silent_ms, makes the peer gone for it, instead of
    waiting out the link's command timeout or, for a killed server with a large data
    set, until the kernel has freed its memory and closed its sockets."""
    peer = redis_factory("peer", extra=[FAST_FULL_SYNC]).start()
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    d = daemons("agent", local.port, peer.port,
                {"peer": {"command_timeout_ms": 20000},
                 "check": {"peer_interval_ms": 60000, "peer_silent_ms": 300}}).start(timeout=30)
    peer.kill(signal.SIGSTOP)
    try:
        d.write_fifo('INSTANCE "VI_1" MASTER 100\n')
        d.wait_log("MASTER done", timeout=15)  # far below the 20 s command timeout
        silent_ms = re.search(r"peer silent: INFO unanswered for (\d+) ms", d.log())
        assert silent_ms, d.log()
        assert int(silent_ms.group(1)) >= 300, d.log()
        assert role(local) == "master"
    finally:
        peer.kill(signal.SIGCONT)
    d.stop()
