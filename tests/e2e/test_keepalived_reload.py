"""keepalived reloaded (SIGHUP) and restarted under the client's writes, with the
notify FIFO created by the agent (the unit starts it first) or by keepalived (which
then recreates it on every reload): nothing acknowledged is lost, a reload moves
nothing, and the FIFO still carries the next real fault's notification."""
import signal
import time

import pytest

import lablib
from lablib import wait_for
from lab_harness import (HANG_GUARD_S, settled_on, show_logs, start_writing, stop_writer,
                         wait_writes_land_on)

FIFO_LINE = "(from notify FIFO)"


@pytest.fixture(params=["agent", "keepalived"], ids=lambda who: f"fifo-by-{who}")
def reload_lab(request, tmp_path_factory):
    from conftest import LAB_ROOT
    # A directory per test (logs are kept when one fails); short, for the unix socket.
    test = request.node.name.split("[")[0].split("_")[1]
    target = request.node.callspec.params.get("target", "")
    the_lab = lablib.Lab(directory=LAB_ROOT / f"{test}_{request.param}_{target}", log=print,
                         keepalived_first=request.param == "keepalived")
    try:
        the_lab.up()
        # Settled, and on a for good: with keepalived first, b may hold the VIP until
        # a's agent reports healthy and a (priority 254) preempts.
        wait_for("the pair to settle on a", lambda: settled_on(the_lab, the_lab.nodes["a"]),
                 HANG_GUARD_S, log=print)
        yield the_lab
    finally:
        the_lab.down()


def agent_log(node):
    return (node.dir / "agent.log").read_text(errors="replace")


def fifo_notifications(node):
    return agent_log(node).count(FIFO_LINE)


def keepalived_reloads(node):
    """How many reloads keepalived's VRRP process has logged ("Reloading")."""
    log = (node.dir / "keepalived.log").read_text(errors="replace")
    return sum(1 for line in log.splitlines() if line.endswith(": Reloading"))


def assert_nothing_lost(lab, report):
    assert report["acknowledged"] > 0
    assert report["missing"] == 0, (f"{report['missing']} acknowledged writes lost "
                                    f"(first {report['missing_keys'][:5]})\n"
                                    + show_logs(lab, "a", "b"))


@pytest.mark.parametrize("target", ["master", "backup"])
def test_reload_moves_nothing_loses_nothing_and_the_fifo_stays_live(reload_lab, target):
    lab = reload_lab
    master = lab.master()
    backup = lab.nodes[master.peer]
    node = master if target == "master" else backup
    monitor = lablib.StateMonitor(lab).start()
    writer, out = start_writing(lab, master)
    heard_before = fifo_notifications(node)

    reloads_before = keepalived_reloads(node)
    reloaded_at = time.monotonic()
    node.reload_keepalived()
    wait_for(f"keepalived on {node.name} to reload", lambda: keepalived_reloads(node) > reloads_before,
             HANG_GUARD_S, log=print)
    if lab.keepalived_first:
        # keepalived unlinked its FIFO and made a new one (often under the same inode
        # number, freed a moment before): the agent says it followed.
        wait_for(f"{node.name}'s agent to follow the FIFO keepalived recreated",
                 lambda: "(keepalived reloaded or stopped?)" in agent_log(node), HANG_GUARD_S,
                 log=print)
    if node is backup:
        # fifo_write_vrrp_states_on_reload: keepalived 2.2.7 and 2.3 write the state of
        # a backup (not of a master) into the FIFO after a reload, changed or not.
        wait_for(f"{node.name}'s agent to hear keepalived's state after the reload",
                 lambda: fifo_notifications(node) > heard_before, HANG_GUARD_S, log=print)
    wait_writes_land_on(master)
    assert monitor.first("vip", backup.name, after=reloaded_at) is None, "the reload moved the VIP"

    # The next real fault: the master's Redis dies. The reloaded node's agent must
    # hear of it through the FIFO (MASTER on the backup, FAULT on the master).
    heard_before = fifo_notifications(node)
    master.kill("redis", signal.SIGKILL)
    wait_for(f"{backup.name} to hold the VIP as master",
             lambda: lab.vip_holder() == backup.name and backup.role() == "master",
             HANG_GUARD_S, log=print)
    wait_for(f"{node.name}'s agent to hear of the fault through the FIFO",
             lambda: fifo_notifications(node) > heard_before, HANG_GUARD_S, log=print)
    wait_writes_land_on(backup)
    monitor.stop()
    assert_nothing_lost(lab, stop_writer(lab, writer, out))


def test_keepalived_restart_on_the_master_costs_at_most_its_failover(reload_lab):
    lab = reload_lab
    master = lab.master()
    backup = lab.nodes[master.peer]
    monitor = lablib.StateMonitor(lab).start()
    writer, out = start_writing(lab, master)

    restarted_at = time.monotonic()
    master.stop("keepalived")
    master.start_keepalived()
    # keepalived's STOP, then BACKUP, then MASTER (priority 254 preempts): a failover
    # to the peer and a failback, each with the writes handed over, at most.
    wait_for(f"the pair to settle on {master.name} again", lambda: settled_on(lab, master),
             HANG_GUARD_S, log=print)
    wait_writes_land_on(master)
    monitor.stop()
    vip_moves = [v for t, w, v in monitor.events if w == "vip" and t >= restarted_at]
    print(f"VIP holders after the restart: {vip_moves}")
    assert vip_moves.count(backup.name) <= 1, vip_moves
    for node in lab.nodes.values():
        state_log = (node.dir / "state.log").read_text(errors="replace")
        assert "SNAPSHOT" not in state_log and "snapshot" not in state_log, (
            f"{node.name} snapshotted data: a restart discarded nothing, so nothing to save\n"
            + state_log[-2000:])
    assert_nothing_lost(lab, stop_writer(lab, writer, out))
