"""The daemon under test: `redis-vrrp-agent run` as a subprocess with its config, run_dir,
track file, notify FIFO, state log, snapshots and stderr under one directory, and the
waits the daemon tests share. The fixtures that make them are in conftest.py."""
import json
import os
import signal
import subprocess
from pathlib import Path

from helpers import AGENT, control_request, run_agent, wait_for, write_config

# Full syncs start at once instead of after the default 5 s wait for more replicas.
FAST_FULL_SYNC = "repl-diskless-sync-delay 0"
CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


class Daemon:
    """One `redis-vrrp-agent run` with a config and a directory of its own under
    `base`: run_dir, track file, notify FIFO, state log, snapshots and its stderr.
    `sections` override or add config keys ({"check": {"fail_value": 7}}); `prefix`
    goes before the command line (e.g. `ip netns exec NS`); `agent` is the binary (a
    sanitizer build, say)."""

    def __init__(self, base, name, local_port, peer_port, sections=None, prefix=(), agent=AGENT):
        self.name = name
        self.dir = Path(base) / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = self.dir / "agent.conf"
        self.run_dir = self.dir / "run"
        self.track_file = self.dir / "track"
        self.fifo = self.dir / "notify.fifo"
        self.state_log = self.dir / "state.log"
        self.stderr_path = self.dir / "daemon.stderr"
        self.prefix = list(prefix)
        self.agent = agent
        self.local_port = local_port
        self.peer_port = peer_port
        self.proc = None
        self.write_config(sections or {})

    def config_sections(self, overrides):
        sections = {
            "agent": {"run_dir": self.run_dir},
            "redis": {"host": "127.0.0.1", "port": self.local_port, "connect_timeout_ms": 200,
                      "command_timeout_ms": 500},
            "peer": {"host": "127.0.0.1", "port": self.peer_port},
            "check": {"track_file": self.track_file},
            "keepalived": {"instance": "VI_1", "notify_fifo": self.fifo},
            "transition": {"snapshot_dir": self.dir / "snapshots"},
            "log": {"target": "stderr", "level": "debug", "state_log": self.state_log},
        }
        for section, keys in overrides.items():
            sections.setdefault(section, {}).update(keys)
        return sections

    def write_config(self, overrides):
        write_config(self.config, self.config_sections(overrides))

    def start(self, timeout=10):
        """Start the daemon and wait until it is ready: its first check has written the
        track file (a stale one is removed first, so the file proves this run)."""
        self.track_file.unlink(missing_ok=True)
        with open(self.stderr_path, "a") as err:
            err.write(f"---- {' '.join(self.command())}\n")
            err.flush()
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon {self.name} exited with {self.proc.returncode}"
                                     f" before it was ready; log:\n{self.log()}")
            return self.track_file.exists()

        try:
            wait_for(f"daemon {self.name} to write its track file", ready, timeout=timeout)
        except AssertionError as e:
            raise AssertionError(f"{e}\nlog:\n{self.log()}") from None
        return self

    def command(self):
        return self.prefix + [str(self.agent), "-c", str(self.config), "run"]

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10):
        """SIGTERM; the daemon must exit 0 (a bound, not a pacing device)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"daemon {self.name} ignored SIGTERM for {timeout}s; "
                                 f"log:\n{self.log()}")
        assert rc == 0, f"daemon {self.name} exited {rc} on SIGTERM; log:\n{self.log()}"

    def kill(self):
        if self.running():
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log(self):
        return self.stderr_path.read_text() if self.stderr_path.exists() else ""

    def track(self):
        """The track file's value as keepalived reads it, or None while it is absent."""
        try:
            return self.track_file.read_text().strip()
        except FileNotFoundError:
            return None

    def wait_track(self, value, timeout=10):
        """Wait for the track file to hold `value`; returns the seconds waited."""
        value = str(value)
        try:
            return wait_for(f"track file of {self.name} = {value}",
                            lambda: self.track() == value, timeout=timeout)[1]
        except AssertionError as e:
            raise AssertionError(f"{e} (it holds {self.track()!r}); log:\n{self.log()}") from None

    def wait_log(self, text, timeout=10):
        try:
            wait_for(f"'{text}' in the log of {self.name}", lambda: text in self.log(),
                     timeout=timeout)
        except AssertionError as e:
            raise AssertionError(f"{e}; log:\n{self.log()}") from None

    def cli(self, *args, timeout=30):
        return run_agent(*args, config=self.config, timeout=timeout)

    def request(self, line, timeout=10):
        """(reply text, seconds) of one control-socket request; see control_request."""
        return control_request(self.run_dir, line, timeout)

    def status(self):
        r = self.cli("status", "--json", timeout=10)
        assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
        return json.loads(r.stdout)

    def wait_status(self, what, condition, timeout=10):
        """Wait until condition(status) holds; returns that status."""
        found = {}

        def check():
            found["status"] = self.status()
            return condition(found["status"])

        try:
            wait_for(what, check, timeout=timeout)
        except AssertionError as e:
            raise AssertionError(f"{e}; last status {found.get('status')}; "
                                 f"log:\n{self.log()}") from None
        return found["status"]

    def write_fifo(self, text):
        """Open, write, close: as keepalived does. O_NONBLOCK so a dead daemon is an
        error (ENXIO: no reader) rather than a hang."""
        fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)

    def cpu_seconds(self):
        """User plus system CPU time the daemon has used so far."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()  # fields from the 3rd (state) on
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_PER_SECOND


def role(server):
    return server.info("replication")["role"]


def replicates_from(replica, master_port):
    info = replica.info("replication")
    return info["role"] == "slave" and info["master_port"] == master_port


def wait_role(server, expected, timeout=10):
    return wait_for(f"{server.name} to be {expected}", lambda: role(server) == expected,
                    timeout=timeout)[1]


def wait_in_sync(replica, master, timeout=30):
    def synced():
        r = replica.info("replication")
        m = master.info("replication")
        return (r["role"] == "slave" and r["master_link_status"] == "up"
                and not r["master_sync_in_progress"]
                and r["slave_repl_offset"] == m["master_repl_offset"])

    wait_for(f"{replica.name} in sync with {master.name}", synced, timeout=timeout)
