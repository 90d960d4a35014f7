"""The two-host lab: network namespaces joined by a bridge, each host running
redis-server, keepalived (unicast VRRP) and redis-vrrp-agent with configs rendered
from conf/, and a client namespace that writes through the VIP.

    rva-a  192.0.2.11  eth0 --+
    rva-b  192.0.2.12  eth0 --+-- br0 (in rva-sw)      VIP 192.0.2.100
    rva-c  192.0.2.13  eth0 --+   (the client)

Only 192.0.2.0/24 (TEST-NET-1) is used, on links the lab creates. Each Redis also
listens on a unix socket under the lab directory, which is how this process (in the
root namespace) observes and drives the hosts without any route into the lab.
Used by scripts/lab (demo and interactive use), tests/e2e and the benchmarks.
"""
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import redis

import redis_client
import server_kind

ROOT = Path(__file__).resolve().parent.parent
# make exports RVA_BUILD: build, or build/sanitize for make check SANITIZE=1.
AGENT = Path(os.environ.get("RVA_BUILD", ROOT / "build")) / "redis-vrrp-agent"
WRITER = ROOT / "scripts" / "lab-writer"
LAB_DIR = Path(os.environ.get("RVA_LAB_DIR", "/tmp/rva-lab"))

NODES = {"a": "192.0.2.11", "b": "192.0.2.12"}
CLIENT_ADDR = "192.0.2.13"
VIP = "192.0.2.100"
PREFIX = os.environ.get("RVA_LAB_PREFIX", "rva")
NS = {"a": f"{PREFIX}-a", "b": f"{PREFIX}-b", "c": f"{PREFIX}-c", "sw": f"{PREFIX}-sw"}
PORT = 6379
# What the shipped agent.conf writes to the track file when healthy (fail closed:
# 1, with keepalived's weight 0 reverse).
def _shipped_check_value(key):
    text = (ROOT / "conf" / "agent.conf").read_text()
    return int(re.search(rf"^{key} = (-?\d+)$", text, re.M).group(1))


HEALTHY_TRACK_VALUE = _shipped_check_value("healthy_value")
FAIL_TRACK_VALUE = _shipped_check_value("fail_value")


def run(*cmd, check=True, **kw):
    return subprocess.run([str(c) for c in cmd], check=check, capture_output=True, text=True,
                          **kw)


def ns_run(ns, *cmd, check=True):
    return run("ip", "netns", "exec", ns, *cmd, check=check)


def wait_for(what, condition, timeout=30.0, interval=0.01, log=None):
    """Poll condition() until truthy; raise naming `what` after `timeout` seconds.
    Returns (value, seconds waited) and logs the wait when `log` is given."""
    start = time.monotonic()
    last_error = None
    while True:
        try:
            value = condition()
            if value:
                waited = time.monotonic() - start
                if log:
                    log(f"waited {waited:.3f} s for {what}")
                return value, waited
        except Exception as e:  # a server may refuse while it starts: keep the last error
            last_error = e
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}"
                               + (f" (last error: {last_error})" if last_error else ""))
        time.sleep(interval)


class Node:
    """One lab host: its directory, processes and a unix-socket Redis client."""

    def __init__(self, lab, name):
        self.lab = lab
        self.name = name
        self.ns = NS[name]
        self.addr = NODES[name]
        self.peer = "b" if name == "a" else "a"
        self.dir = lab.dir / name
        self.socket = self.dir / "redis.sock"
        self.track_file = self.dir / "run" / "track"
        self.fifo = self.dir / "run" / "notify.fifo"

    # ---- processes ----
    def pidfile(self, what):
        return self.dir / f"{what}.pid"

    def start(self, what, cmd, log_name=None):
        log = open(self.dir / f"{log_name or what}.log", "ab")
        proc = subprocess.Popen(["ip", "netns", "exec", self.ns] + [str(c) for c in cmd],
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.pidfile(what).write_text(str(proc.pid))
        return proc

    def pid(self, what):
        try:
            pid = int(self.pidfile(what).read_text())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def kill(self, what, sig):
        """Signal a process and its children: each was started in a session of its own,
        and keepalived's VRRP child must die with its parent, as on a real crash."""
        pid = self.pid(what)
        if pid:
            try:
                os.killpg(pid, sig)
            except OSError:
                os.kill(pid, sig)
        return pid

    def stop(self, what, sig=signal.SIGTERM, timeout=10):
        pid = self.kill(what, signal.SIGCONT) and self.kill(what, sig)
        if pid:
            try:
                wait_for(f"{what} on {self.name} to exit", lambda: not _alive(pid), timeout)
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                wait_for(f"{what} on {self.name} to die", lambda: not _alive(pid), 5)
        self.pidfile(what).unlink(missing_ok=True)

    # ---- redis ----
    def start_redis(self, empty=True):
        if empty:
            (self.dir / "redis" / "dump.rdb").unlink(missing_ok=True)
        self.start("redis", [server_kind.SERVER, self.dir / "redis.conf"])
        wait_for(f"redis on {self.name} to answer", lambda: self.redis().ping(), 10)

    def redis(self, timeout=0.5):
        return redis_client.connect(timeout, unix_socket_path=str(self.socket),
                                    password=self.lab.password)

    def role(self):
        try:
            return self.redis(0.2).info("replication")["role"]
        except (redis.RedisError, OSError):
            return "down"

    def dbsize(self):
        return self.redis().dbsize()

    # ---- keepalived and agent ----
    def start_keepalived(self):
        # Every pid file of this node's own: keepalived 2.3 locks the BFD and
        # checkers pid files too (default /run/bfd.pid), even with -P, and the
        # other node's keepalived starting at the same moment would find them
        # locked and exit with "daemon is already running".
        vrrp_pid = self.dir / "keepalived.vrrp.pid"
        vrrp_pid.unlink(missing_ok=True)
        proc = self.start("keepalived", ["keepalived", "-n", "-l", "-D", "-G", "-P",
                                         "-f", self.dir / "keepalived.conf",
                                         "-p", self.dir / "keepalived.main.pid",
                                         "-r", vrrp_pid,
                                         "-c", self.dir / "keepalived.checkers.pid",
                                         "-b", self.dir / "keepalived.bfd.pid"])

        def vrrp_child_or_exit():
            if proc.poll() is not None:
                return "exited"
            try:
                return _alive(int(vrrp_pid.read_text()))
            except (OSError, ValueError):
                return False
        state, _ = wait_for(f"keepalived on {self.name} to start its VRRP child",
                            vrrp_child_or_exit, 10)
        if state == "exited":
            log = (self.dir / "keepalived.log").read_text().splitlines()
            raise RuntimeError(f"keepalived on {self.name} exited at start with status "
                               f"{proc.returncode}; last lines of {self.dir / 'keepalived.log'}: "
                               + " | ".join(log[-3:]))

    def reload_keepalived(self):
        """SIGHUP to keepalived's main process only, as `systemctl reload` sends it
        (its VRRP child is reloaded by the parent)."""
        os.kill(self.pid("keepalived"), signal.SIGHUP)

    def start_agent(self):
        self.start("agent", [AGENT, "-c", self.dir / "agent.conf", "run"])
        wait_for(f"agent on {self.name} to write its track file", self.track_file.exists, 10)

    def switchover(self, *args, wait=True):
        """`redis-vrrp-agent switchover ARGS` on this node (the CLI talks to the daemon
        over its control socket): the CompletedProcess, or the Popen with wait=False."""
        cmd = [str(AGENT), "-c", str(self.dir / "agent.conf"), "switchover", *args]
        if not wait:
            return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60)

    def preference(self):
        """What the agent wrote into keepalived's preference file (None: no file)."""
        path = self.dir / "state" / "preference"
        return int(path.read_text().strip() or 0) if path.exists() else None

    def agent_status(self):
        r = run(AGENT, "-c", self.dir / "agent.conf", "status", "--json", check=False)
        return json.loads(r.stdout) if r.returncode == 0 else None

    def holds_vip(self):
        r = run("ip", "-n", self.ns, "-4", "-o", "addr", "show", "dev", "eth0", check=False)
        return f" {VIP}/" in r.stdout

    def track_value(self):
        try:
            return int(self.track_file.read_text().strip() or 0)
        except (OSError, ValueError):
            return None

    def reports_unhealthy(self):
        """The agent has written its fail value (not: no file yet)."""
        value = self.track_value()
        return value is not None and value != HEALTHY_TRACK_VALUE


def kill_pidfile(path):
    """SIGKILL the process named in a pid file (if any) and remove the file."""
    try:
        os.kill(int(Path(path).read_text()), signal.SIGKILL)
    except (OSError, ValueError):
        pass
    Path(path).unlink(missing_ok=True)


def create_network(ns):
    """The lab's network: namespaces ns["a"], ns["b"] (the hosts) and ns["c"] (the
    client), each with an eth0 on the bridge br0 in ns["sw"]; any old ones first."""
    for name in ns.values():
        run("ip", "netns", "del", name, check=False)
        run("ip", "netns", "add", name)
        run("ip", "-n", name, "link", "set", "lo", "up")
    sw = ns["sw"]
    run("ip", "-n", sw, "link", "add", "br0", "type", "bridge")
    run("ip", "-n", sw, "link", "set", "br0", "up")
    for name, addr in list(NODES.items()) + [("c", CLIENT_ADDR)]:
        # The host end is created in the switch namespace and moved, so no
        # interface of the lab ever exists in the root namespace.
        run("ip", "-n", sw, "link", "add", f"{name}0", "type", "veth", "peer", "name", "eth0",
            "netns", ns[name])
        run("ip", "-n", sw, "link", "set", f"{name}0", "master", "br0", "up")
        run("ip", "-n", ns[name], "addr", "add", f"{addr}/24", "dev", "eth0")
        run("ip", "-n", ns[name], "link", "set", "eth0", "up")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A zombie child of ours counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


class Lab:
    # How long a master waits before it starts a full sync (repl-diskless-sync-delay).
    # 0 here: the tests' refills start at once. The README's setting, 1 s, gives a
    # replica's sync guard time to refuse a sync from a peer restarted empty; the chaos
    # lab, which restarts hosts faster than the VIP moves, uses that.
    full_sync_delay_s = 0

    def __init__(self, directory=LAB_DIR, advert_int=1.0, log=print, keepalived_first=False,
                 failback="auto"):
        self.dir = Path(directory)
        self.advert_int = advert_int
        self.failback = failback
        # Who creates the notify FIFO: the agent (started first, as the unit orders
        # it), or keepalived, which then recreates it on every reload.
        self.keepalived_first = keepalived_first
        self.log = log
        self.nodes = {n: Node(self, n) for n in NODES}
        pw = self.dir / "redis.pw"
        self.password = pw.read_text().strip() if pw.exists() else None

    # ---- topology ----
    def create_network(self):
        create_network(NS)

    def render_configs(self):
        """The shipped examples from conf/, with the lab's paths and timing."""
        for name, node in self.nodes.items():
            node.dir.mkdir(parents=True, exist_ok=True)
            (node.dir / "redis").mkdir(exist_ok=True)
            # A fresh /run, as after a boot: a FIFO left by an earlier lab would make
            # keepalived take it for one it did not create, and never recreate it.
            shutil.rmtree(node.dir / "run", ignore_errors=True)
            (node.dir / "run").mkdir()
            # A new pair: no node id, no preference (those survive a reboot, not this).
            shutil.rmtree(node.dir / "state", ignore_errors=True)
            run_dir = node.dir / "run"
            ka = (ROOT / "conf" / f"keepalived-node-{name}.conf").read_text()
            ka = ka.replace("/run/redis-vrrp-agent", str(run_dir))
            ka = ka.replace("/var/lib/redis-vrrp-agent", str(node.dir / "state"))
            ka = ka.replace("advert_int 1", f"advert_int {self.advert_int:g}")
            (node.dir / "keepalived.conf").write_text(ka)

            agent = (ROOT / "conf" / "agent.conf").read_text()
            agent = agent.replace("/run/redis-vrrp-agent", str(run_dir))
            agent = agent.replace("/var/lib/redis-vrrp-agent/snapshots", str(node.dir / "snapshots"))
            agent = agent.replace("/var/lib/redis-vrrp-agent", str(node.dir / "state"))
            agent = agent.replace("host = 192.0.2.12", f"host = {NODES[node.peer]}")
            agent = agent.replace("password_file =\n", f"password_file = {self.dir / 'redis.pw'}\n", 1)
            agent = agent.replace("config = /etc/keepalived/keepalived.conf",
                                  f"config = {node.dir / 'keepalived.conf'}")
            agent = agent.replace("state_log =", f"state_log = {node.dir / 'state.log'}")
            agent = agent.replace("target = auto", "target = stderr")
            agent = agent.replace("failback = auto", f"failback = {self.failback}")
            (node.dir / "agent.conf").write_text(agent)

            conf = node.dir / "redis.conf"
            conf.write_text("\n".join([
                f"port {PORT}", "bind 0.0.0.0", "protected-mode no",
                f"unixsocket {node.socket}", "unixsocketperm 700",
                f"dir {node.dir / 'redis'}", f"logfile {node.dir / 'redis.log'}",
                "save \"\"", "appendonly no",
                f"repl-diskless-sync-delay {self.full_sync_delay_s}",
                f"requirepass {self.password}", f"masterauth {self.password}", ""]))
            conf.chmod(0o600)

    # ---- lifecycle ----
    def up(self):
        if not AGENT.exists():
            raise SystemExit(f"{AGENT} is missing: run make first")
        self.down(quiet=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.password = "lab-" + secrets.token_hex(12)
        pw = self.dir / "redis.pw"
        pw.write_text(self.password + "\n")
        pw.chmod(0o600)
        self.create_network()
        self.render_configs()
        for node in self.nodes.values():
            node.start_redis()
        self.start_services()
        self.wait_settled()

    def start_services(self):
        """What manages the pair: here the agent and keepalived on each host."""
        for node in self.nodes.values():
            if self.keepalived_first:
                node.start_keepalived()
                wait_for(f"keepalived on {node.name} to create the notify FIFO",
                         node.fifo.exists, 10)
            node.start_agent()
            if not self.keepalived_first:
                node.start_keepalived()

    def writer_target_args(self):
        """How the client finds the master: through the VIP."""
        return ["--host", VIP]

    def wait_settled(self, timeout=30, quiet=False):
        """One VIP holder, which is master, the other its replica with link up."""
        def settled():
            holders = [n for n in self.nodes.values() if n.holds_vip()]
            if len(holders) != 1:
                return None
            m = holders[0]
            r = self.nodes[m.peer]
            if m.role() != "master":
                return None
            info = r.redis().info("replication")
            if info["role"] != "slave" or info.get("master_link_status") != "up":
                return None
            return m.name
        return wait_for("the lab to settle (VIP on a master, peer its replica)", settled,
                        timeout, log=None if quiet else self.log)[0]

    def down(self, quiet=False):
        for node in self.nodes.values():
            for what in ("agent", "keepalived", "redis", "writer"):
                node.stop(what)
        kill_pidfile(self.dir / "writer.pid")
        for ns in NS.values():
            run("ip", "netns", "del", ns, check=False)
        if not quiet:
            self.log("lab down")

    def vip_holder(self):
        holders = [n.name for n in self.nodes.values() if n.holds_vip()]
        return "+".join(holders) if holders else None

    def master(self):
        return self.nodes[self.wait_settled(quiet=True)]

    # ---- faults ----
    def start_host_services(self, node):
        """What a host runs besides Redis, started again after a reboot."""
        node.start_agent()
        node.start_keepalived()

    def crash_host(self, name):
        """The host goes silent at once (link down), then everything on it dies."""
        node = self.nodes[name]
        self.cut_link(name)
        for what in ("agent", "keepalived", "redis"):
            node.kill(what, signal.SIGKILL)

    def reboot_host(self, name):
        """Link up, Redis started empty (no persistence), then its services."""
        node = self.nodes[name]
        # A real reboot loses the kernel's state: the VIP keepalived could not remove
        # when it was killed, and neighbour entries left INCOMPLETE by the outage.
        run("ip", "-n", node.ns, "addr", "del", f"{VIP}/24", "dev", "eth0", check=False)
        run("ip", "-n", node.ns, "neigh", "flush", "dev", "eth0", check=False)
        # ... and /run: keepalived would take its killed child's pid file (the
        # zombie's pid) for a daemon still running and refuse to start.
        for stale in node.dir.glob("keepalived.*.pid"):
            stale.unlink()
        self.heal_link(name)
        node.start_redis(empty=True)
        self.start_host_services(node)

    def cut_link(self, name):
        run("ip", "-n", NS["sw"], "link", "set", f"{name}0", "down")

    def heal_link(self, name):
        run("ip", "-n", NS["sw"], "link", "set", f"{name}0", "up")

    # ---- client ----
    def start_writer(self, out, duration=120.0):
        """The client: writes through the VIP from its own namespace until SIGTERM
        (or `duration`), then verifies every acknowledged write; results in `out`."""
        log = open(self.dir / "writer.log", "ab")
        proc = subprocess.Popen(
            ["ip", "netns", "exec", NS["c"], "/usr/bin/python3", str(WRITER)]
            + self.writer_target_args() + ["--password-file", str(self.dir / "redis.pw"), "--out", str(out),
             "--duration", str(duration)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        (self.dir / "writer.pid").write_text(str(proc.pid))
        return proc


class StateMonitor:
    """Samples the lab every few milliseconds from outside (VIP holder, roles, track
    files) and records each change with its time, for timelines and assertions."""

    def __init__(self, lab, interval=0.005):
        self.lab = lab
        self.interval = interval
        self.events = []  # (monotonic time, what, value)
        self.state = {}   # what -> latest value
        self._sampled = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        """Start sampling; returns once the first full sample is recorded."""
        self._thread.start()
        self._sampled.wait(timeout=10)
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)

    def _sample(self):
        yield "vip", self.lab.vip_holder()
        for n in self.lab.nodes.values():
            yield f"{n.name}.role", n.role()
            yield f"{n.name}.track", n.track_value()

    def _run(self):
        while not self._stop.is_set():
            for what, value in self._sample():
                if self.state.get(what, object()) != value:
                    self.state[what] = value
                    self.events.append((time.monotonic(), what, value))
            self._sampled.set()
            time.sleep(self.interval)

    def first(self, what, value, after=0.0):
        for t, w, v in self.events:
            if t >= after and w == what and v == value:
                return t
        return None
