"""Planned switchovers and the failback policy on the real two-host lab: keepalived,
redis-server and the agents in network namespaces, the client writing through the
VIP. A switchover moves the VIP by preference (keepalived's second track file), so
both nodes stay eligible; it loses nothing and needs no full resync; anything that
goes wrong rolls it back. Waits are conditions with deadlines (hang guards)."""
import signal
import time

import pytest

import lablib
from lab_harness import (HANG_GUARD_S, holds_vip_as_master, lost_outside_window, settled_on,
                         show_logs, start_writing, stop_writer, wait_writes_land_on)
from lablib import wait_for

# A switchover waits for the master's next VRRP advert, and the backup takes over
# when its master-down timer (3 adverts) runs out: a few seconds at advert_int 1.
SWITCHOVER_TIMEOUT_MS = "10000"


def full_syncs(lab):
    """Full resyncs served, summed over both nodes (INFO stats sync_full)."""
    return sum(n.redis().info("stats")["sync_full"] for n in lab.nodes.values())


def assert_lost_only_in_crash_window(lab, report, kill_before, kill_after):
    late = lost_outside_window(report, kill_before, kill_after)
    assert not late, f"{len(late)} writes lost outside the crash window\n" + show_logs(
        lab, *lab.nodes)


def switch(node, *args):
    r = node.switchover("--timeout", SWITCHOVER_TIMEOUT_MS, *args)
    print(f"switchover on {node.name} {' '.join(args)} -> rc {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def assert_unchanged(lab, master, before):
    """Nothing a refused or rolled-back switchover may leave behind: the VIP and the
    master role where they were, the preference files as `before` (an agent reads a
    rolled-back record at its next check)."""
    wait_for(f"{master.name} to hold the VIP as master, its peer streaming from it",
             lambda: settled_on(lab, master), HANG_GUARD_S, log=print)
    wait_for(f"the preference files to read {before}", lambda: preferences(lab) == before,
             HANG_GUARD_S, log=print)


def preferences(lab):
    return {n.name: n.preference() for n in lab.nodes.values()}


def test_switchover_there_and_back_under_load_loses_nothing_and_needs_no_full_resync(lab):
    old = lab.master()
    new = lab.nodes[old.peer]
    writer, out = start_writing(lab, old)
    syncs = full_syncs(lab)

    r = switch(old)  # run on the master: the role goes to the peer
    assert r.returncode == 0, r.stderr + show_logs(lab, old.name, new.name)
    assert "VIP moved" in r.stdout and "write outage" in r.stdout
    assert settled_on(lab, new), show_logs(lab, old.name, new.name)
    assert preferences(lab) == {old.name: 1, new.name: 0}
    wait_writes_land_on(new)

    r = switch(old, "--here")  # run on the replica: the role comes back here
    assert r.returncode == 0, r.stderr + show_logs(lab, old.name, new.name)
    assert settled_on(lab, old), show_logs(lab, old.name, new.name)
    assert preferences(lab) == {old.name: 0, new.name: 1}
    wait_writes_land_on(old)
    report = stop_writer(lab, writer, out)

    assert report["acknowledged"] > 0
    assert report["missing"] == 0, (f"{report['missing']} acknowledged writes lost\n"
                                    + show_logs(lab, old.name, new.name))
    assert full_syncs(lab) == syncs, "a switchover needed a full resync"


def test_after_a_switchover_a_crash_of_the_new_master_fails_over_to_the_old_one(lab):
    old = lab.master()
    new = lab.nodes[old.peer]
    assert switch(old).returncode == 0
    writer, out = start_writing(lab, new)

    kill_before = time.time()
    new.kill("redis", signal.SIGKILL)
    kill_after = time.time()
    wait_for(f"{old.name}, which yields by preference only, to take over as after any crash",
             lambda: holds_vip_as_master(lab, old), HANG_GUARD_S, log=print)
    wait_writes_land_on(old)
    report = stop_writer(lab, writer, out)
    assert_lost_only_in_crash_window(lab, report, kill_before, kill_after)


def test_switchover_is_refused_while_the_peer_redis_is_down_and_changes_nothing(lab):
    master = lab.master()
    replica = lab.nodes[master.peer]
    before = preferences(lab)
    replica.kill("redis", signal.SIGKILL)
    wait_for(f"the agent on {master.name} to see the peer's Redis gone",
             lambda: not master.agent_status()["peer"]["reachable"], HANG_GUARD_S, log=print)

    r = switch(master)
    assert r.returncode == 1
    assert "refused" in r.stderr and "does not answer" in r.stderr, r.stderr
    assert holds_vip_as_master(lab, master)
    assert preferences(lab) == before
    assert master.redis().hgetall("redis-vrrp-agent:preference") == {}  # nothing recorded


class ReplicationCut:
    """Drops what the master sends on the replica's replication connection (nftables in
    the master's namespace): the replica stays connected and answers, its offset stops."""

    TABLE = "rvt_switchover"

    def __init__(self, master, replica):
        self.master = master
        clients = master.redis().client_list(_type="replica")
        assert len(clients) == 1, clients
        port = int(clients[0]["addr"].rsplit(":", 1)[1])
        rules = (f"table inet {self.TABLE} {{\n chain out {{\n"
                 f"  type filter hook output priority 0;\n"
                 f"  ip daddr {replica.addr} tcp dport {port} drop\n }}\n}}\n")
        lablib.run("ip", "netns", "exec", master.ns, "nft", "-f", "-", input=rules)

    def heal(self):
        lablib.run("ip", "netns", "exec", self.master.ns, "nft", "delete", "table", "inet",
                   self.TABLE, check=False)


def test_a_replica_that_cannot_catch_up_is_rolled_back_with_nothing_lost(lab):
    master = lab.master()
    replica = lab.nodes[master.peer]
    writer, out = start_writing(lab, master)
    before = preferences(lab)
    cut = ReplicationCut(master, replica)
    try:
        wait_for(f"{replica.name} to fall behind",
                 lambda: master.redis().info("replication")["master_repl_offset"]
                 > replica.redis().info("replication")["slave_repl_offset"], HANG_GUARD_S)
        r = master.switchover("--timeout", "1000")
        print(r.stdout, r.stderr)
    finally:
        cut.heal()
    assert r.returncode == 1
    assert "did not catch up" in r.stderr and "rolled back" in r.stderr, r.stderr
    assert_unchanged(lab, master, before)
    wait_writes_land_on(master)  # the pause was released
    report = stop_writer(lab, writer, out)
    assert report["missing"] == 0


def test_keepalived_stopped_on_the_peer_mid_switch_rolls_back(lab):
    master = lab.master()
    replica = lab.nodes[master.peer]
    before = preferences(lab)
    # The agent on the master cannot see the peer's keepalived: the switchover starts,
    # the VIP never moves, and it must roll back.
    replica.stop("keepalived")
    r = master.switchover("--timeout", "4000")
    print(r.stdout, r.stderr)
    assert r.returncode == 1
    assert "VIP did not move" in r.stderr and "rolled back" in r.stderr, r.stderr
    assert holds_vip_as_master(lab, master)
    wait_for(f"the agent on {master.name} to prefer itself again",
             lambda: master.preference() == 0, HANG_GUARD_S, log=print)
    replica.start_keepalived()
    assert_unchanged(lab, master, before | {replica.name: 1})


def test_two_switchovers_at_once_one_wins_and_the_other_is_refused(lab):
    master = lab.master()
    replica = lab.nodes[master.peer]
    procs = [master.switchover("--timeout", SWITCHOVER_TIMEOUT_MS, wait=False),
             replica.switchover("--here", "--timeout", SWITCHOVER_TIMEOUT_MS, wait=False)]
    results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
    for rc, stdout, stderr in results:
        print(f"rc {rc}\n{stdout}{stderr}")
    assert sorted(rc for rc, _, _ in results) == [0, 1], results
    loser = next(stderr for rc, _, stderr in results if rc == 1)
    assert "another switchover" in loser or "refused" in loser, loser
    wait_for(f"{replica.name} to hold the VIP as master, {master.name} its replica",
             lambda: settled_on(lab, replica), HANG_GUARD_S, log=print)


@pytest.fixture
def manual_lab():
    from conftest import LAB_ROOT
    the_lab = lablib.Lab(directory=LAB_ROOT / "failback_manual", log=print, failback="manual")
    try:
        the_lab.up()
        yield the_lab
    finally:
        the_lab.down()


def test_failback_manual_keeps_the_new_master_until_a_switchover(manual_lab):
    lab = manual_lab
    old = lab.master()
    new = lab.nodes[old.peer]
    writer, out = start_writing(lab, old, keys=2000)

    kill_before = time.time()
    old.kill("redis", signal.SIGKILL)
    kill_after = time.time()
    wait_for(f"{new.name} to hold the VIP as master", lambda: holds_vip_as_master(lab, new),
             HANG_GUARD_S, log=print)
    wait_for(f"{new.name} to record itself as the preferred node",
             lambda: new.preference() == 0 and new.redis().hget(
                 "redis-vrrp-agent:preference", "verb") == b"prefer", HANG_GUARD_S, log=print)
    old.start_redis(empty=True)
    wait_for(f"{old.name} to refill as a healthy replica of {new.name}, yielding",
             lambda: settled_on(lab, new) and not old.reports_unhealthy(), 60, log=print)
    # The record came with the refill, and was obeyed before the node reported healthy.
    assert old.preference() == 1
    # It must not take the VIP back: watch for a few master-down intervals (an
    # absence can only be observed over a span).
    monitor = lablib.StateMonitor(lab).start()
    try:
        wait_writes_land_on(new, keys=2000)
        end = time.monotonic() + 4 * lab.advert_int
        wait_for("four advert intervals to pass", lambda: time.monotonic() >= end, 10)
    finally:
        monitor.stop()
    holders = {value for _, what, value in monitor.events if what == "vip"}
    assert holders == {new.name}, f"the VIP moved back: {monitor.events}"

    r = switch(new)
    assert r.returncode == 0, r.stderr + show_logs(lab, old.name, new.name)
    assert settled_on(lab, old)
    wait_writes_land_on(old)
    report = stop_writer(lab, writer, out)
    assert_lost_only_in_crash_window(lab, report, kill_before, kill_after)


def test_dry_run_prints_the_plan_and_changes_nothing(lab):
    master = lab.master()
    before = preferences(lab)
    r = master.switchover("--dry-run")
    assert r.returncode == 0, r.stderr
    assert "safe now" in r.stdout and "from this node to the peer" in r.stdout
    assert_unchanged(lab, master, before)
    r = master.switchover("--here", "--dry-run")
    assert r.returncode == 1 and "already the master" in r.stderr, r.stderr

