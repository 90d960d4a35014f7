"""Two Debian hosts booted under real systemd (systemd-nspawn), in the network of the
namespace lab (scripts/lablib.py: hosts 192.0.2.11 and .12 on a bridge, the client
.13), each from a fresh copy of a cached host image. The tests drive them from the
root namespace: commands through nsenter into the host, Redis through its unix
socket under /proc/PID/root, the VIP through `ip -n`. Only 192.0.2.0/24 is used,
on links the lab creates. Used by tests/package (make package-check)."""
import json
import os
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import lablib
import redis_client
from lablib import wait_for

NS = {name: f"rvp-{name}" for name in ("a", "b", "c", "sw")}
VIP = lablib.VIP
# Where the host copies, their console logs and the client's files live.
HOSTS_DIR = Path(os.environ.get("RVA_HOSTS_DIR", "/var/tmp/rvp-hosts"))
# The test reaches Redis through this socket (set up by configure_redis): the hosts
# have no route from the root namespace, on purpose.
REDIS_SOCKET = "/run/redis/redis-server.sock"
BOOT_TIMEOUT_S = 90


class BootedHost:
    def __init__(self, name, image, log=print):
        self.name = name
        self.addr = lablib.NODES[name]
        self.peer = "b" if name == "a" else "a"
        self.ns = NS[name]
        self.image = Path(image)
        self.root = HOSTS_DIR / name
        self.log = log
        self.proc = None
        self.pid1 = None

    # ---- life cycle ----
    def create(self):
        """A fresh host from the image: its own hostname and machine id."""
        shutil.rmtree(self.root, ignore_errors=True)
        subprocess.run(["cp", "-a", str(self.image), str(self.root)], check=True)
        (self.root / "etc" / "hostname").write_text(f"redis-{self.name}\n")
        (self.root / "etc" / "machine-id").write_text(uuid.uuid4().hex + "\n")

    def boot(self):
        console = open(HOSTS_DIR / f"{self.name}.console.log", "ab")
        self.proc = subprocess.Popen(
            ["systemd-nspawn", "-D", str(self.root), "--register=no", "--keep-unit", "--boot",
             f"--network-namespace-path=/run/netns/{self.ns}", f"--machine=redis-{self.name}",
             # keepalived adds and removes the VIP: nspawn grants CAP_NET_ADMIN only
             # with a private network of its own making.
             "--capability=CAP_NET_ADMIN"],
            stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
            start_new_session=True)
        console.close()
        self.pid1, _ = wait_for(f"host {self.name}'s init to start", self._find_init, 30,
                                log=self.log)
        state, _ = wait_for(f"host {self.name} to finish booting", self._booted, BOOT_TIMEOUT_S,
                            interval=0.1, log=self.log)
        if state != "running":
            failed = self.run("systemctl", "--failed", "--no-legend", check=False).stdout
            raise AssertionError(f"host {self.name} booted {state}: failed units: {failed}")

    def _find_init(self):
        """The container's PID 1: the child of systemd-nspawn that is PID 1 inside."""
        if self.proc.poll() is not None:
            raise SystemExit(f"systemd-nspawn for host {self.name} exited "
                             f"({self.proc.returncode}); see {HOSTS_DIR}/{self.name}.console.log")
        for child in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split():
            status = Path(f"/proc/{child}/status").read_text()
            if any(line.startswith("NSpid:") and line.split()[-1] == "1"
                   for line in status.splitlines()):
                return int(child)
        return None

    def _booted(self):
        r = self.run("systemctl", "is-system-running", check=False)
        state = r.stdout.strip()
        return state if state in ("running", "degraded") else None

    def poweroff(self):
        """A clean shutdown, as `systemctl poweroff` on a real host."""
        self.run("systemctl", "poweroff", check=False)
        self._wait_exit(60)

    def reboot(self):
        self.poweroff()
        self.boot()

    def destroy(self):
        """Kill the host at once."""
        self._kill_init()
        self._wait_exit(10)

    def _kill_init(self):
        """Killing systemd-nspawn alone would leave the host's init, and every service
        under it, running: kill that init, which takes its PID namespace with it."""
        if self.pid1:
            try:
                os.kill(self.pid1, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _wait_exit(self, timeout_s):
        """Wait for systemd-nspawn to exit; past timeout_s, kill the host and it."""
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self._kill_init()
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.pid1 = None

    # ---- inside the host ----
    def run(self, *cmd, check=True, input=None):
        r = subprocess.run(["nsenter", "-t", str(self.pid1), "-a", "-w", "--"] + [str(c) for c in cmd],
                           capture_output=True, text=True, input=input)
        if check and r.returncode != 0:
            raise AssertionError(f"on host {self.name}: {' '.join(map(str, cmd))} exited "
                                 f"{r.returncode}: {r.stderr.strip() or r.stdout.strip()}")
        return r

    def apt_install(self, deb):
        """`apt install ./redis-vrrp-agent_VERSION_ARCH.deb`, offline: the image already
        has every dependency (and the host has no route out). Returns apt's output."""
        shutil.copy(deb, self.path(f"/root/{deb.name}"))
        r = self.run("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y",
                     f"/root/{deb.name}")
        return r.stdout + r.stderr

    def write(self, path, text, mode=0o644):
        """Write a file inside the host (through its root, as root)."""
        target = self.path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        target.chmod(mode)

    def path(self, path):
        """A path inside the running host, as seen from here (its /run included)."""
        return Path(f"/proc/{self.pid1}/root") / str(path).lstrip("/")

    def show(self, unit, *props):
        r = self.run("systemctl", "show", unit, "-p", ",".join(props))
        return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)

    def journal(self, *args):
        """The host's journal entries as dicts (journalctl -o json)."""
        r = self.run("journalctl", "--no-pager", "-o", "json", *args)
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def redis(self, password, timeout=0.5):
        return redis_client.connect(timeout, unix_socket_path=str(self.path(REDIS_SOCKET)),
                                    password=password)

    def role(self, password):
        try:
            return self.redis(password, 0.3).info("replication")["role"]
        except Exception:  # down, loading, or the host is rebooting
            return "down"

    def holds_vip(self):
        r = lablib.run("ip", "-n", self.ns, "-o", "addr", "show", "dev", "eth0", check=False)
        return f" {VIP}/" in r.stdout
