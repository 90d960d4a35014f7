"""Shared helpers for the integration and end-to-end tests: real redis-server
processes on free loopback ports, agent configs in a temp dir, and condition waits
with deadlines (never fixed sleeps)."""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
AGENT = ROOT / "build" / "redis-vrrp-agent"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition, timeout=10.0, interval=0.01):
    """Poll condition() until it returns a truthy value; fail naming `what` after timeout.
    Returns (value, seconds waited)."""
    start = time.monotonic()
    last_error = None
    while True:
        try:
            value = condition()
            if value:
                return value, time.monotonic() - start
        except Exception as e:  # the condition may raise while a server starts
            last_error = e
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}"
                                 + (f" (last error: {last_error})" if last_error else ""))
        time.sleep(interval)


class RedisServer:
    """One real redis-server on 127.0.0.1, in its own directory."""

    def __init__(self, workdir, name, password=None, acl_user=None, unix_socket=False,
                 extra=()):
        self.dir = Path(workdir) / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.port = free_port()
        self.password = password
        self.acl_user = acl_user  # (user, password) with +@all
        self.unix_socket = str(self.dir / "redis.sock") if unix_socket else None
        self.extra = list(extra)
        self.proc = None

    def conf_text(self):
        lines = [f"port {self.port}", "bind 127.0.0.1", f"dir {self.dir}",
                 "save \"\"", "appendonly no", "daemonize no", f"logfile {self.dir}/redis.log",
                 f"dbfilename dump.rdb", "protected-mode no"]
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
        self.proc = subprocess.Popen(["redis-server", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        if wait:
            wait_for(f"redis {self.name} on port {self.port} to answer PING",
                     lambda: self.client().ping(), timeout=10)
        return self

    def client(self, **kw):
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password,
                           socket_timeout=2, socket_connect_timeout=2, **kw)

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
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
