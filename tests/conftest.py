import pytest

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
