"""Who may use the control socket: root and the agent's own user only. The socket is
created for its owner only; the daemon also checks the caller's uid (SO_PEERCRED), which holds even
when an operator loosens the socket's mode."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from daemon_harness import Daemon
from helpers import AGENT

NOBODY = 65534


@pytest.fixture
def open_base():
    """A directory every user can traverse (pytest's own tmp_path is root's only)."""
    base = Path(tempfile.mkdtemp(prefix="rvt-access-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def status_as_nobody(daemon):
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                           str(AGENT), "-c", str(daemon.config), "status"],
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
        r = status_as_nobody(d)
        assert r.returncode != 0
        assert "Permission denied" in r.stderr, r.stderr

        # With the mode loosened, the daemon itself refuses, and says who may ask.
        socket_path.chmod(0o666)
        r = status_as_nobody(d)
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
