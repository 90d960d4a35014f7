"""Fixtures of the integration tests: daemons (see daemon_harness) and a dead port."""
import socket

import pytest

from daemon_harness import Daemon


@pytest.fixture
def daemons(tmp_path):
    """make(name, local_port, peer_port, sections=None, prefix=(), **kw) -> Daemon (not
    started; kw as Daemon takes them).
    At the end, any daemon still running is killed, and every daemon's log is printed
    (pytest shows it only when the test failed)."""
    made = []

    def make(name, local_port, peer_port, sections=None, prefix=(), **kw):
        d = Daemon(tmp_path, name, local_port, peer_port, sections, prefix, **kw)
        made.append(d)
        return d

    yield make
    for d in made:
        d.kill()
        print(f"---- log of daemon {d.name} ({d.stderr_path}) ----\n{d.log()}")


@pytest.fixture
def dead_port():
    """A loopback port bound but never listening: connecting is refused, and no other
    process can take the port while the test runs."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]
