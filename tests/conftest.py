import os
import tempfile

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
