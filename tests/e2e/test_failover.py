"""Fault tests on the real two-host lab: each test brings the lab up (VIP on a master,
the peer its replica), injects one fault while the client writes through the VIP, and
checks where the VIP, the roles and every acknowledged write end up. Waits are
conditions with deadlines; the deadlines are hang guards, not expectations."""
import shutil
import signal
import subprocess
import threading
import time

import redis

import lablib
import redis_client
import server_kind
from helpers import free_port
from lab_harness import (ACK_READ_SLACK_S, HANG_GUARD_S, LOSS_WINDOW_S, holds_vip_as_master,
                         lost_outside_window, settled_on,
                         show_logs, start_writing, stop_writer, wait_writes_land_on)
from lablib import wait_for

# ---- helpers ----

def keys_in_rdb(rdb, workdir, keys):
    """Load an RDB file with a throwaway redis-server in the root namespace on a free
    127.0.0.1 port and return which of `keys` it holds."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(rdb, workdir / "dump.rdb")
    port = free_port()
    conf = workdir / "redis.conf"
    conf.write_text("\n".join([f"port {port}", "bind 127.0.0.1", f"dir {workdir}",
                               "dbfilename dump.rdb", "save \"\"", "appendonly no",
                               f"logfile {workdir / 'redis.log'}", ""]))
    proc = subprocess.Popen([server_kind.SERVER, str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        client = redis_client.connect(2, host="127.0.0.1", port=port)
        wait_for(f"throwaway {server_kind.SERVER} on 127.0.0.1:{port} to load {rdb.name}",
                 lambda: client.ping() and client.info("persistence")["loading"] == 0, 20)
        return {k for k in keys if client.exists(k)}
    finally:
        proc.kill()
        proc.wait(timeout=10)


class FailbackWatch(threading.Thread):
    """Samples every few milliseconds, from outside: whenever `node` holds the VIP and
    its Redis is master, how many keys it and its peer hold. The VIP is sampled first,
    so a sample that counts is one where the node already held the VIP as master."""

    def __init__(self, lab, node):
        super().__init__(daemon=True)
        self.lab, self.node, self.peer = lab, node, lab.nodes[node.peer]
        self.samples = 0      # samples with the VIP on node and node master
        self.emptyish = []    # (monotonic time, node keys, peer keys) far below the peer
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            try:
                if self.node.holds_vip() and self.node.role() == "master":
                    mine, theirs = self.node.dbsize(), self.peer.dbsize()
                    self.samples += 1
                    if mine < theirs - max(100, theirs // 20):
                        self.emptyish.append((time.monotonic(), mine, theirs))
            except (redis.RedisError, OSError):
                pass  # a Redis restarting or syncing: the next sample decides
            self._stop_event.wait(0.002)

    def stop(self):
        self._stop_event.set()
        self.join(10)


class SplitBrainWatch(threading.Thread):
    """Polls both agents' status; remembers which ever reported split_brain true."""

    def __init__(self, lab):
        super().__init__(daemon=True)
        self.lab = lab
        self.reported = set()
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            for node in self.lab.nodes.values():
                status = node.agent_status()
                if status and status.get("split_brain"):
                    self.reported.add(node.name)
            self._stop_event.wait(0.05)

    def stop(self):
        self._stop_event.set()
        self.join(10)


class RoleWatch(threading.Thread):
    """Asks one node's Redis for its role in a tight loop over one unix-socket
    connection, so that even a role held for a few milliseconds is seen."""

    def __init__(self, node):
        super().__init__(daemon=True)
        self.node = node
        self.roles = []  # (monotonic time, role), on change
        self._stop_event = threading.Event()

    def run(self):
        client = self.node.redis(0.2)
        while not self._stop_event.is_set():
            try:
                role = client.info("replication")["role"]
            except (redis.RedisError, OSError):
                role = "down"
            if not self.roles or self.roles[-1][1] != role:
                self.roles.append((time.monotonic(), role))
            self._stop_event.wait(0.0005)

    def first(self, role, after):
        return next((t for t, r in self.roles if r == role and t >= after), None)

    def stop(self):
        self._stop_event.set()
        self.join(10)


def partition(lab, name):
    """Take the host's bridge port out of the bridge: no traffic passes, but its link
    keeps carrier, so keepalived there sees silence, not a link down (unlike
    lab.cut_link, which downs the port: keepalived enters FAULT)."""
    lablib.run("ip", "-n", lablib.NS["sw"], "link", "set", f"{name}0", "nomaster")


def rejoin(lab, name):
    lablib.run("ip", "-n", lablib.NS["sw"], "link", "set", f"{name}0", "master", "br0")


def split_writes_kept(lab, master, split_keys, workdir):
    """Each split-time write (node name -> key written on that node) is either on the
    final master or in a snapshot that node saved. Returns {key: where}."""
    where = {}
    for name, key in split_keys.items():
        if master.redis().exists(key):
            where[key] = f"master {master.name}"
            continue
        snapshots = sorted((lab.dir / name / "snapshots").glob("*.rdb"))
        for i, rdb in enumerate(snapshots):
            if keys_in_rdb(rdb, workdir / f"{name}-rdb{i}", [key]):
                where[key] = str(rdb)
                break
        else:
            where[key] = None
    return where


# ---- 1. crash of the master's Redis ----

def test_kill_master_redis_moves_vip_to_writable_peer_losing_only_unreplicated_writes(lab):
    old = lab.master()
    new = lab.nodes[old.peer]
    writer, out = start_writing(lab, old)

    kill_before = time.time()
    old.kill("redis", signal.SIGKILL)
    kill_after = time.time()
    wait_for(f"{new.name} to hold the VIP as master", lambda: holds_vip_as_master(lab, new),
             HANG_GUARD_S, log=print)
    wait_writes_land_on(new)
    new.redis().set("probe:writable", 1)  # the new master takes writes
    report = stop_writer(lab, writer, out)

    assert lab.vip_holder() == new.name
    assert old.reports_unhealthy(), "the dead Redis's node still reports healthy"
    assert report["acknowledged"] > 0
    late = lost_outside_window(report, kill_before, kill_after)
    print(f"lost {report['missing']} acknowledged writes ({len(late)} outside the crash window)")
    assert not late, (f"{len(late)} lost writes were acknowledged outside the "
                      f"{LOSS_WINDOW_S} s before the kill (kill at {kill_before:.3f}, "
                      f"lost at {late[:5]})\n" + show_logs(lab, old.name, new.name))


# ---- 2. the crashed master comes back empty and preempts ----

def test_empty_restarted_master_refills_before_taking_vip_back_and_loses_nothing(lab):
    old = lab.master()
    new = lab.nodes[old.peer]
    assert "nopreempt" not in (old.dir / "keepalived.conf").read_text(), "preempt must be on"
    writer, out = start_writing(lab, old, keys=2000)

    kill_before = time.time()
    old.kill("redis", signal.SIGKILL)
    kill_after = time.time()
    wait_for(f"{new.name} to hold the VIP as master", lambda: holds_vip_as_master(lab, new),
             HANG_GUARD_S, log=print)
    wait_writes_land_on(new, keys=1000)

    watch = FailbackWatch(lab, old)
    watch.start()
    try:
        restart = time.time()
        old.start_redis(empty=True)
        wait_for(f"{old.name} to refill and take the VIP back, {new.name} its replica",
                 lambda: settled_on(lab, old), 60, log=print)
        wait_writes_land_on(old)
    finally:
        watch.stop()
    report = stop_writer(lab, writer, out)

    assert watch.samples > 0, f"never saw {old.name} hold the VIP as master after the restart"
    assert not watch.emptyish, (
        f"{old.name} held the VIP as a master far emptier than {new.name} "
        f"({len(watch.emptyish)} samples, first (keys, peer keys) = {watch.emptyish[0][1:]})\n"
        + show_logs(lab, old.name, new.name))
    times = report["missing_ack_times"]
    after_restart = [t for t in times if t >= restart]
    assert not after_restart, (f"{len(after_restart)} writes acknowledged after the restart "
                               "were lost on the failback\n" + show_logs(lab, old.name, new.name))
    late = lost_outside_window(report, kill_before, kill_after)
    assert not late, (f"{len(late)} lost writes were acknowledged outside the {LOSS_WINDOW_S} s "
                      "before the kill\n" + show_logs(lab, old.name, new.name))
    print(f"lost {report['missing']} acknowledged writes (all in the crash window); "
          f"{watch.samples} samples of {old.name} as VIP master, none empty")


# ---- 3. keepalived stops on the master ----

def test_keepalived_stop_on_master_hands_roles_to_peer_without_losing_writes(lab):
    old = lab.master()
    new = lab.nodes[old.peer]
    writer, out = start_writing(lab, old)

    old.stop("keepalived")
    wait_for(f"{new.name} to hold the VIP as master with {old.name} its replica",
             lambda: settled_on(lab, new), HANG_GUARD_S, log=print)
    wait_writes_land_on(new)
    report = stop_writer(lab, writer, out)

    assert report["acknowledged"] > 0
    assert report["missing"] == 0, (f"{report['missing']} acknowledged writes lost "
                                    f"(first {report['missing_keys'][:5]})\n"
                                    + show_logs(lab, old.name, new.name))


# ---- 4. the master's Redis hangs (SIGSTOP), then resumes ----

class LostWrites(AssertionError):
    """Acknowledged writes that must have survived did not."""


def hang_and_resume_master(lab, preload_keys=0, save_delay_us=0, require_fenced=True):
    """SIGSTOP the master's Redis under the client's writes, wait for the failover,
    SIGCONT it, wait until it has been a replica (when require_fenced) and the lab
    settled, then check the client's acknowledged writes: raises LostWrites for any
    acknowledged after the failover that is missing. A dataset larger than the lab's is
    modelled by preloading keys and rdb-key-save-delay (µs per key saved) on the old
    master."""
    old = lab.master()
    new = lab.nodes[old.peer]
    for start in range(0, preload_keys, 5000):
        pipe = old.redis(5).pipeline(transaction=False)
        for i in range(start, min(start + 5000, preload_keys)):
            pipe.set(f"preload:{i}", i)
        pipe.execute()
    if save_delay_us:
        old.redis().config_set("rdb-key-save-delay", save_delay_us)
    writer, out = start_writing(lab, old)

    stop_before = time.time()
    old.kill("redis", signal.SIGSTOP)
    stop_after = time.time()
    _, detected_s = wait_for(f"the agent on {old.name} to flag its hung Redis in the track file",
                             old.reports_unhealthy, 15)
    print(f"track file on {old.name} failed {detected_s * 1000:.0f} ms after SIGSTOP")
    wait_for(f"{new.name} to hold the VIP as master", lambda: holds_vip_as_master(lab, new),
             HANG_GUARD_S, log=print)
    failover = time.time()
    wait_writes_land_on(new, keys=1000)

    # Resumed, the old master still holds its data and its role. With preempt on it
    # takes the VIP back, but only through being a replica of the new master first.
    roles = RoleWatch(old)
    cont_wall, cont = time.time(), time.monotonic()
    old.kill("redis", signal.SIGCONT)
    roles.start()
    try:
        if require_fenced:
            wait_for(f"{old.name} to be fenced as a replica after SIGCONT",
                     lambda: roles.first("slave", cont), HANG_GUARD_S, log=print)
        master = lab.nodes[lab.wait_settled(HANG_GUARD_S)]
    finally:
        roles.stop()
    wait_writes_land_on(master)
    report = stop_writer(lab, writer, out)
    print(f"{old.name} roles after SIGCONT: "
          + ", ".join(f"{r} at +{(t - cont) * 1000:.0f} ms" for t, r in roles.roles)
          + f"; settled with {master.name} master")

    times = report["missing_ack_times"]
    if len(times) < report["missing"]:
        print(f"lost {report['missing']} acknowledged writes, the first acknowledged "
              f"{times[0] - cont_wall:+.3f} s from SIGCONT")
        raise LostWrites(f"{report['missing']} acknowledged writes lost (more than the writer "
                         f"lists; the first at {times[0] - cont_wall:+.3f} s from SIGCONT)\n"
                         + show_logs(lab, old.name, new.name))
    lost = {
        "before failover": [t for t in times if t < failover],
        "failover to SIGCONT": [t for t in times if failover <= t < cont_wall],
        "after SIGCONT": sorted(t for t in times if t >= cont_wall),
    }
    print("lost acknowledged writes: " + ", ".join(f"{k} {len(v)}" for k, v in lost.items()))
    late = [t for t in lost["before failover"]
            if not stop_before - LOSS_WINDOW_S <= t <= stop_after + ACK_READ_SLACK_S]
    assert not late, (f"{len(late)} lost writes were acknowledged outside the {LOSS_WINDOW_S} s "
                      "before the SIGSTOP\n" + show_logs(lab, old.name, new.name))
    after = lost["failover to SIGCONT"] + lost["after SIGCONT"]
    if after:
        raise LostWrites(f"{len(after)} writes acknowledged after the failover were lost "
                         f"({len(lost['failover to SIGCONT'])} by the new master before SIGCONT, "
                         f"{len(lost['after SIGCONT'])} after it)\n"
                         + show_logs(lab, old.name, new.name))


def test_stopped_master_redis_fails_over_and_is_fenced_as_replica_on_resume(lab):
    hang_and_resume_master(lab)


# Both once lost writes: the resumed old master got the VIP back by preemption
# while it was still to rejoin (and, with a slow snapshot, the new master gave up
# waiting and resynced from it). Readiness gating now keeps a master whose peer was
# promoted from its history off the VIP until it has rejoined as a replica.
def test_stopped_master_with_slow_snapshot_loses_no_write_after_failover(lab):
    # 20000 keys at 200 µs each: BGSAVEs of about 4 s, as a dataset of some GB takes;
    # longer than keepalived's preempt (3 advert intervals) and the peer's backup wait.
    # The old master may never be a replica again here (its snapshot does not finish
    # while it serves its new replica), so only the writes decide.
    hang_and_resume_master(lab, preload_keys=20000, save_delay_us=200, require_fenced=False)


# ---- 5. the link between the hosts is cut, then healed ----

def check_split_outcome(lab, watch, split_keys, workdir):
    """After a heal: one master, the VIP on it alone, the other its replica; every
    split-time write on the master or in a snapshot of the node that took it, and
    exactly one node's in a snapshot (the other's survived on the master)."""
    master = lab.nodes[lab.wait_settled(60)]
    roles = {n.name: n.role() for n in lab.nodes.values()}
    assert sorted(roles.values()) == ["master", "slave"], roles
    assert lab.vip_holder() == master.name and roles[master.name] == "master"
    where = split_writes_kept(lab, master, split_keys, workdir)
    print(f"split brain reported by {sorted(watch.reported)}; {master.name} master at the "
          f"end; split writes: {where}")
    assert all(where.values()), (f"split-time writes neither on the master nor in a "
                                 f"snapshot: {where}\n" + show_logs(lab, "a", "b"))
    snapshotted = [k for k, w in where.items() if not w.startswith("master")]
    assert len(snapshotted) == 1, f"expected exactly one node's split writes snapshotted: {where}"


def test_partition_split_brain_heals_to_one_master_and_snapshots_the_losers_writes(
        lab, tmp_path):
    old = lab.master()
    other = lab.nodes[old.peer]
    watch = SplitBrainWatch(lab)
    watch.start()
    try:
        partition(lab, old.name)
        wait_for("both nodes to hold the VIP as masters (split brain)",
                 lambda: old.holds_vip() and other.holds_vip() and old.role() == "master"
                 and other.role() == "master", HANG_GUARD_S, log=print)
        split_keys = {n.name: f"split:{n.name}" for n in lab.nodes.values()}
        for name, key in split_keys.items():
            lab.nodes[name].redis().set(key, name)

        rejoin(lab, old.name)
        # The agents see each other again only now: both masters, the split brain.
        wait_for("an agent to report the split brain", lambda: watch.reported, HANG_GUARD_S,
                 log=print)
        check_split_outcome(lab, watch, split_keys, tmp_path)
    finally:
        watch.stop()


def test_cut_link_isolated_master_faults_and_its_writes_are_snapshotted_on_heal(lab, tmp_path):
    old = lab.master()
    other = lab.nodes[old.peer]
    watch = SplitBrainWatch(lab)
    watch.start()
    try:
        # Carrier loss: keepalived on the isolated host enters FAULT and drops the VIP,
        # its Redis stays master (fence_on_fault = no); the peer takes over.
        lab.cut_link(old.name)
        wait_for(f"{other.name} alone to hold the VIP as master, {old.name} still master",
                 lambda: holds_vip_as_master(lab, other) and old.role() == "master",
                 HANG_GUARD_S, log=print)
        split_keys = {n.name: f"split:{n.name}" for n in lab.nodes.values()}
        for name, key in split_keys.items():
            lab.nodes[name].redis().set(key, name)

        # The agents may settle this before either calls it a split brain (that
        # needs both masters, reachable, for a second), so no report is required.
        lab.heal_link(old.name)
        check_split_outcome(lab, watch, split_keys, tmp_path)
    finally:
        watch.stop()


# ---- 6. the agent is killed in the middle of a transition ----

def test_agent_killed_mid_transition_converges_after_restart(lab):
    old = lab.master()
    new = lab.nodes[old.peer]
    # A slow MASTER transition on the new master-to-be, so it can be killed mid-way.
    # (Edited in place: a key set twice in agent.conf is a config error.)
    conf = new.dir / "agent.conf"
    text = conf.read_text()
    assert "\nmaster_delay_ms = 0\n" in text
    conf.write_text(text.replace("\nmaster_delay_ms = 0\n", "\nmaster_delay_ms = 3000\n", 1))
    new.stop("agent")
    new.start_agent()
    wait_for(f"the restarted agent on {new.name} to answer", new.agent_status, 10)
    writer, out = start_writing(lab, old)

    state_log = new.dir / "state.log"
    seen = len(state_log.read_text())
    old.stop("keepalived")
    wait_for(f"{new.name}'s MASTER transition to be in its settle delay",
             lambda: "MASTER: settle delay" in state_log.read_text()[seen:], HANG_GUARD_S,
             log=print)
    pid = new.kill("agent", signal.SIGKILL)
    wait_for(f"the agent on {new.name} (pid {pid}) to die", lambda: not lablib._alive(pid), 10)
    assert new.holds_vip() and new.role() == "slave", "the transition was not cut mid-way"

    new.start_agent()
    wait_for(f"roles to follow the VIP: {new.name} master, {old.name} its replica",
             lambda: settled_on(lab, new), 45, log=print)
    wait_writes_land_on(new)
    report = stop_writer(lab, writer, out)

    assert report["missing"] == 0, (f"{report['missing']} acknowledged writes lost "
                                    f"(first {report['missing_keys'][:5]})\n"
                                    + show_logs(lab, old.name, new.name))
