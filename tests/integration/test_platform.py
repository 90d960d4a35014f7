"""What the platform legs of make check-matrix rest on: the servers under test are
the kind SERVER names (so a Valkey leg never quietly tests Redis), and the agent
says which hiredis it was built with."""
import re

import server_kind
from helpers import run_agent


def test_servers_under_test_are_the_kind_that_SERVER_names(redis_factory):
    info = redis_factory("kind").start().info("server")
    if server_kind.KIND == "valkey":
        assert info.get("server_name") == "valkey", info
        assert "valkey_version" in info, info
    else:
        assert "valkey_version" not in info, info
        assert int(info["redis_version"].split(".")[0]) >= 6, info


def test_version_names_the_hiredis_the_agent_was_built_with():
    r = run_agent("version")
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"redis-vrrp-agent \S+ \(hiredis \d+\.\d+\.\d+\)\n", r.stdout), r.stdout
