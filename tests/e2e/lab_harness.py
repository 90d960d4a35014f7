"""What the end-to-end tests share on the two-host lab: the writing client started and
stopped with its report, and the waits and views on where the VIP and the roles
are. Waits are conditions with deadlines; the deadlines are hang guards."""
import json
import os
import signal
import subprocess

from lablib import wait_for

HANG_GUARD_S = 30

# A write the master acknowledged just before it died may not have reached its
# replica: that, and only that, may be lost on a crash.
LOSS_WINDOW_S = 0.5
# The client may read a reply the master sent just before the kill a moment after it
# (scheduling); far shorter than any failover, so it cannot hide a write acknowledged
# by the new master.
ACK_READ_SLACK_S = 0.05


def lost_outside_window(report, fault_before, fault_after):
    """The missing writes acknowledged outside the crash window of a fault injected
    between wall times fault_before and fault_after."""
    times = report["missing_ack_times"]
    assert len(times) == report["missing"], "writer report truncated its missing list"
    return [t for t in times
            if not fault_before - LOSS_WINDOW_S <= t <= fault_after + ACK_READ_SLACK_S]


def stop_writer(lab, proc, out, timeout=90):
    """SIGTERM the client, let it verify every acknowledged write against the master
    behind the VIP, and return its report."""
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"lab-writer still verifying after {timeout} s")
    log = (lab.dir / "writer.log").read_text(errors="replace")
    assert proc.returncode == 0, f"lab-writer failed (rc {proc.returncode}):\n{log[-2000:]}"
    report = json.loads(out.read_text())
    print(f"writer: {report['acknowledged']} acknowledged, {report['missing']} missing, "
          f"errors {report['errors']}")
    return report


def start_writing(lab, node, keys=1000):
    """Start the client and return (process, report path) once `node` holds at least
    `keys` keys more than before and its replica half as many: the writes land, and
    are streamed (a replica just synced is streamed to only after its first
    REPLCONF ACK, up to 1 s later; a crash before that loses everything since)."""
    out = lab.dir / "writer-report.json"
    replica = lab.nodes[node.peer]
    base, replica_base = node.dbsize(), replica.dbsize()
    proc = lab.start_writer(out, duration=150)
    wait_for(f"the client's writes to reach {node.name} and its replica",
             lambda: node.dbsize() >= base + keys and replica.dbsize() >= replica_base + keys // 2,
             HANG_GUARD_S, log=print)
    return proc, out


def wait_writes_land_on(node, keys=300):
    """The client's writes are acknowledged by `node` again (it is the master it reaches)."""
    base = node.dbsize()
    wait_for(f"the client's writes to land on {node.name}", lambda: node.dbsize() >= base + keys,
             HANG_GUARD_S, log=print)


def holds_vip_as_master(lab, node):
    return lab.vip_holder() == node.name and node.role() == "master"


def settled_on(lab, node):
    """The VIP on `node` only, `node` master, its peer a replica of it with link up."""
    if not holds_vip_as_master(lab, node):
        return False
    info = lab.nodes[node.peer].redis().info("replication")
    return (info["role"] == "slave" and info.get("master_host") == node.addr
            and info.get("master_link_status") == "up")


def show_logs(lab, *names):
    """The agents' state logs, for a failing assertion's message."""
    out = []
    for name in names:
        path = lab.dir / name / "state.log"
        text = path.read_text(errors="replace") if path.exists() else "(none)"
        out.append(f"--- {name}/state.log (tail) ---\n{text[-3000:]}")
    return "\n".join(out)
