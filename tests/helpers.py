"""Shared helpers for the integration and end-to-end tests: real redis-server
processes on free loopback ports, agent configs in a temp dir, and condition waits
with deadlines (never fixed sleeps)."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import lablib  # noqa: E402
import redis_client  # noqa: E402
import server_kind  # noqa: E402

import secret_scan  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
AGENT = lablib.AGENT


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition, timeout=10.0, interval=0.01):
    """Poll condition() until it returns a truthy value; fail naming `what` after timeout.
    Returns (value, seconds waited). The lab's wait, failing as a test assertion."""
    try:
        return lablib.wait_for(what, condition, timeout, interval)
    except TimeoutError as e:
        raise AssertionError(str(e)) from None


class FakeServer:
    """A TCP listener on loopback for servers that misbehave on purpose. With `reply`,
    it answers every read with those bytes (and closes after the first if `close`);
    without, it accepts and never answers."""

    def __init__(self, reply=None, close=False):
        self.port = free_port()
        self.reply, self.close_after = reply, close
        self.held = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.reply is None:
                self.held.append(conn)
            else:
                threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            try:
                while conn.recv(65536):
                    conn.sendall(self.reply)
                    if self.close_after:
                        return
            except OSError:
                return

    def close(self):
        self.sock.close()
        for c in self.held:
            c.close()


class Blackhole(FakeServer):
    """A peer host whose network swallows everything: connections are accepted and
    never answered."""

    def __init__(self):
        super().__init__(reply=None)


class RedisServer:
    """One real redis-server on 127.0.0.1, in its own directory."""

    def __init__(self, workdir, name, password=None, acl_user=None, unix_socket=False,
                 extra=(), prefix=()):
        self.dir = Path(workdir) / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.port = free_port()
        self.password = password
        self.acl_user = acl_user  # (user, password) with +@all
        secret_scan.remember(password)
        secret_scan.remember(acl_user[1] if acl_user else None)
        self.unix_socket = str(self.dir / "redis.sock") if unix_socket else None
        self.extra = list(extra)
        self.prefix = list(prefix)  # before the server's command line (e.g. unshare)
        self.proc = None

    def conf_text(self):
        lines = [f"port {self.port}", "bind 127.0.0.1", f"dir {self.dir}",
                 "save \"\"", "appendonly no", "daemonize no", f"logfile {self.dir}/redis.log",
                 "dbfilename dump.rdb", "protected-mode no"]
        if self.password:
            lines += [f"requirepass {self.password}", f"masterauth {self.password}"]
        if self.acl_user:
            user, pw = self.acl_user
            lines.append(f"user {user} on >{pw} ~* &* +@all")
        if self.unix_socket:
            lines += [f"unixsocket {self.unix_socket}", "unixsocketperm 700"]
        return "\n".join(lines + self.extra) + "\n"

    def start(self, empty=False, wait=True):
        if empty:
            (self.dir / "dump.rdb").unlink(missing_ok=True)
        # The password goes into a config file, never onto a command line.
        conf = self.dir / "redis.conf"
        conf.write_text(self.conf_text())
        conf.chmod(0o600)
        self.proc = subprocess.Popen([*self.prefix, server_kind.SERVER, str(conf)],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        if wait:
            wait_for(f"redis {self.name} on port {self.port} to answer PING",
                     lambda: self.client().ping(), timeout=10)
        return self

    def client(self, **kw):
        return redis_client.connect(2, host="127.0.0.1", port=self.port,
                                    password=self.password, **kw)

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            if sig in (signal.SIGKILL, signal.SIGTERM):
                self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(timeout=10)

    def info(self, section="replication"):
        return self.client().info(section)


def write_password_file(path, password, mode=0o600):
    path = Path(path)
    path.write_text(password + "\n")
    path.chmod(mode)
    secret_scan.remember(password, path)
    return path


def write_config(path, sections):
    """sections: {"redis": {"port": 1234}, ...} -> INI file."""
    out = []
    for section, keys in sections.items():
        out.append(f"[{section}]")
        out += [f"{k} = {v}" for k, v in keys.items()]
        out.append("")
    Path(path).write_text("\n".join(out))
    return Path(path)


def run_agent(*args, config=None, timeout=30, **kw):
    cmd = [str(AGENT)]
    if config:
        cmd += ["-c", str(config)]
    cmd += [str(a) for a in args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    secret_scan.record(" ".join(cmd), f"{r.stdout}{r.stderr}")
    return r


# ---- Two nodes, keepalived emulated: node configs, notify runs, a client behind the VIP ----


def write_node_config(node_dir, local, peer, instance="VI_1", **transition):
    """Agent config for one node of a pair: [redis] is `local`, [peer] is `peer` (both
    RedisServer on 127.0.0.1, so REPLICAOF and INFO's master_host agree), with a
    run_dir, snapshot_dir and state_log of the node's own under node_dir. Extra
    keyword arguments go into [transition]. Returns the config path."""
    node_dir = Path(node_dir)
    node_dir.mkdir(parents=True, exist_ok=True)
    sections = {
        "agent": {"run_dir": node_dir / "run"},
        "redis": {"host": "127.0.0.1", "port": local.port, "connect_timeout_ms": 200,
                  "command_timeout_ms": 1000},
        "peer": {"host": "127.0.0.1", "port": peer.port},
        "keepalived": {"instance": instance},
        "transition": {"snapshot_dir": node_dir / "snapshots", **transition},
        "log": {"target": "stderr", "level": "debug", "state_log": node_dir / "state.log"},
    }
    return write_config(node_dir / "agent.conf", sections)


def start_agent(*args, config=None):
    """Start the agent without waiting for it (notify runs overlap as keepalived's do)."""
    cmd = [str(AGENT)] + (["-c", str(config)] if config else []) + [str(a) for a in args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_agent(proc, timeout=30):
    """Wait for a start_agent() process; returns a CompletedProcess. A run that outlives
    the timeout is killed and fails the test (a hang guard, not a pacing device)."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"{proc.args} still running after {timeout}s; stderr:\n{err}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def control_request(run_dir, line, timeout=10):
    """One request on the daemon's control socket, straight from this process (no CLI
    to fork, so that timing it measures the daemon): (reply text, seconds until the
    reply was complete)."""
    start = time.monotonic()
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(str(Path(run_dir) / "control.sock"))
        s.sendall(line.encode() + b"\n")
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    secret_scan.record(f"control request {line!r}", reply.decode(errors="replace"))
    return reply.decode(), time.monotonic() - start


def fill_incompressible(server, mib):
    """mib keys of 1 MiB each, of bytes LZF cannot shrink: an RDB file of that size."""
    value = os.urandom(1 << 20)
    client = redis_client.connect(60, host="127.0.0.1", port=server.port)
    pipe = client.pipeline(transaction=False)
    for i in range(mib):
        pipe.set(f"big:{i}", value)
        if i % 32 == 31:
            pipe.execute()
    pipe.execute()


def fill_keys(server, count, prefix="k", value_size=16, batch=5000):
    """SET prefix:<i> to a value of value_size bytes for i in range(count), pipelined."""
    c = server.client()
    for start in range(0, count, batch):
        pipe = c.pipeline(transaction=False)
        for i in range(start, min(start + batch, count)):
            pipe.set(f"{prefix}:{i}", str(i).rjust(value_size, "x"))
        pipe.execute()


def missing_keys(server, keys, batch=5000):
    """The keys of `keys` that `server` does not hold."""
    c = server.client()
    missing = []
    for start in range(0, len(keys), batch):
        chunk = keys[start:start + batch]
        missing += [k for k, v in zip(chunk, c.mget(chunk)) if v is None]
    return missing


def replica_in_sync(replica, master):
    """True when `replica` replicates from `master` with the link up, no sync running,
    and its offset equal to the master's."""
    r = replica.info("replication")
    m = master.info("replication")
    return (r["role"] == "slave" and r["master_port"] == master.port
            and r["master_link_status"] == "up" and not r["master_sync_in_progress"]
            and r["slave_repl_offset"] == m["master_repl_offset"])


class Vip:
    """The emulated keepalived VIP: only which server clients write to."""

    def __init__(self, holder):
        self.holder = holder


class VipWriter(threading.Thread):
    """A client behind the VIP: SET w:<n> <n> with a new n each attempt to whichever
    server the VIP names. An OK is an acknowledged write; any error (READONLY, refused,
    timeout) is not, and the next attempt uses a new key. Bounded by stop(), a count
    and a time cap."""

    def __init__(self, vip, max_writes=200000, max_seconds=40, socket_timeout=0.5):
        super().__init__(daemon=True)
        self.vip = vip
        self.max_writes = max_writes
        self.max_seconds = max_seconds
        self.socket_timeout = socket_timeout
        self.acked = []           # keys whose SET got OK, in order
        self.acked_by_port = {}   # port -> count of OKs from that server
        self.errors = {}          # exception class name -> count
        self.attempts = 0
        self._stop_event = threading.Event()

    def run(self):
        clients = {}
        deadline = time.monotonic() + self.max_seconds
        while (not self._stop_event.is_set() and self.attempts < self.max_writes
               and time.monotonic() < deadline):
            server = self.vip.holder
            client = clients.get(server.port)
            if client is None:
                client = clients[server.port] = redis_client.connect(
                    self.socket_timeout, host="127.0.0.1", port=server.port,
                    password=server.password)
            self.attempts += 1
            key = f"w:{self.attempts}"
            try:
                if client.set(key, self.attempts) is True:
                    self.acked.append(key)
                    self.acked_by_port[server.port] = self.acked_by_port.get(server.port, 0) + 1
            except redis.RedisError as e:
                name = type(e).__name__
                self.errors[name] = self.errors.get(name, 0) + 1
                self._stop_event.wait(0.001)  # do not spin on a refusing server
        for client in clients.values():
            client.close()

    def acked_on(self, server):
        return self.acked_by_port.get(server.port, 0)

    def stop(self, timeout=10):
        self._stop_event.set()
        self.join(timeout)
        assert not self.is_alive(), "writer did not stop"
