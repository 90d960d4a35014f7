import os
import tempfile
from pathlib import Path

import pytest

# The lab of tests/e2e gets a namespace prefix and a directory of its own, so the
# tests never clash with a demo or a benchmark. lablib reads both when it loads,
# and helpers imports it: set them first.
os.environ["RVA_LAB_PREFIX"] = "rvt"
os.environ["RVA_LAB_DIR"] = tempfile.mkdtemp(prefix="rvt-e2e-")

from helpers import RedisServer


@pytest.fixture
def redis_factory(tmp_path):
    """Start real redis-servers for a test; all are killed at its end."""
    started = []

    def make(name, **kw):
        server = RedisServer(tmp_path, name, **kw)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.hookimpl(tryfirst=True)  # before tests/e2e removes the lab's directories
def pytest_sessionfinish(session, exitstatus):
    """The session fails if any file it left behind holds a password (secret_scan.py):
    the lab's own passwords are read back from its password files first."""
    import secret_scan
    lab_dir = Path(os.environ["RVA_LAB_DIR"])
    for pw in lab_dir.rglob("redis.pw"):
        secret_scan.remember(pw.read_text().strip(), pw)
    roots = [lab_dir, session.config._tmp_path_factory.getbasetemp()]
    found = secret_scan.scan(roots)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for path, password in found:
        reporter.write_line(f"secret scan: {path} holds the password {password[:3]}... "
                            "(passwords must never reach logs, status or output)", red=True)
    if found:
        session.exitstatus = 1
    else:
        reporter.write_line(f"secret scan: {len(secret_scan.secrets)} passwords, "
                            "none in any output of the suite")
