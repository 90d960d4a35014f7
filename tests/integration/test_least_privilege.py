"""Least privilege: the daemon runs as an unprivileged user of its own; the control
socket answers only root and that user (the socket is owner-only, and the daemon also
checks the caller's uid with SO_PEERCRED, which holds if an operator loosens the
socket's mode); and no process holding a password can be dumped or read by others."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from daemon_harness import Daemon
from helpers import AGENT

NOBODY = 65534
OTHER_USER = 65533


def as_user(uid):
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]


@pytest.fixture
def open_base():
    """A directory every user can traverse (pytest's own tmp_path is root's only)."""
    base = Path(tempfile.mkdtemp(prefix="rvt-access-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def status_as(uid, daemon):
    return subprocess.run([*as_user(uid), str(AGENT), "-c", str(daemon.config), "status"],
                          capture_output=True, text=True, timeout=10)


def test_another_user_is_refused_and_root_is_answered(redis_factory, dead_port, open_base):
    local = redis_factory("local").start()
    d = Daemon(open_base, "agent", local.port, dead_port)
    for path in (d.dir, d.config):
        path.chmod(0o755 if path.is_dir() else 0o644)
    d.start()
    try:
        socket_path = d.run_dir / "control.sock"
        assert (socket_path.stat().st_mode & 0o077) == 0  # owner only
        d.run_dir.chmod(0o755)

        # The socket's mode stops another user at connect().
        r = status_as(NOBODY, d)
        assert r.returncode != 0
        assert "Permission denied" in r.stderr, r.stderr

        # With the mode loosened, the daemon itself refuses, and says who may ask.
        socket_path.chmod(0o666)
        r = status_as(NOBODY, d)
        assert r.returncode != 0
        assert f"refused: uid {NOBODY} is neither root nor the agent's user (uid {os.geteuid()})" \
            in r.stderr, r.stderr
        d.wait_log(f"control socket: refused a request from uid {NOBODY}")

        # Root is answered, and the refused requests changed nothing.
        r = d.cli("status", timeout=10)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("local:")
        assert "maintenance:  off" in r.stdout
        d.stop()
    finally:
        d.kill()


def test_the_daemon_runs_unprivileged_answers_its_own_user_and_cannot_be_dumped(
        redis_factory, dead_port, open_base):
    local = redis_factory("local").start()
    d = Daemon(open_base, "agent", local.port, dead_port, prefix=as_user(NOBODY))
    os.chown(d.dir, NOBODY, NOBODY)
    d.config.chmod(0o644)
    d.start()
    try:
        # Ready means its first check wrote the track file: as nobody, no capability.
        assert d.track_file.stat().st_uid == NOBODY
        r = status_as(NOBODY, d)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("local:        master, healthy"), r.stdout
        assert d.cli("status", timeout=10).returncode == 0  # root

        (d.run_dir / "control.sock").chmod(0o666)
        r = status_as(OTHER_USER, d)
        assert f"refused: uid {OTHER_USER} is neither root nor the agent's user (uid {NOBODY})" \
            in r.stderr, r.stderr

        # Not dumpable: the kernel then gives its /proc entries to root, not to nobody.
        daemon_pid = d.pid  # setpriv execs: the same process
        assert os.stat(f"/proc/{daemon_pid}/mem").st_uid == 0
        d.stop()
    finally:
        d.kill()
