"""The shipped keepalived configs load with `keepalived -t` on the keepalived of
this platform (2.2.7 on Debian 12, 2.3.3 on Debian 13: each leg of make
check-matrix runs this). The configs' /run/redis-vrrp-agent paths are pointed at a
temp directory, which systemd-tmpfiles creates at boot on a real host. keepalived -t
refuses an interface that does not exist, so it runs in a network namespace whose
only links are a veth pair, eth0 the configs' interface: the test does not depend on
what this machine's own links are called."""
import os
import subprocess

import pytest

from helpers import ROOT

CONFIGS = sorted((ROOT / "conf").glob("keepalived-node-*.conf"))
NETNS = f"rvt-kconf-{os.getpid()}"


@pytest.fixture(scope="module", autouse=True)
def netns_with_eth0():
    subprocess.run(["ip", "netns", "add", NETNS], check=True)
    try:
        # A veth pair: this kernel has no dummy links.
        subprocess.run(["ip", "-n", NETNS, "link", "add", "eth0", "type", "veth", "peer", "name",
                        "eth1"], check=True)
        yield
    finally:
        subprocess.run(["ip", "netns", "del", NETNS], check=False)


def keepalived_test(conf):
    return subprocess.run(["ip", "netns", "exec", NETNS, "keepalived", "-t", "-l", "-f",
                           str(conf)], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("shipped", CONFIGS, ids=lambda p: p.name)
def test_shipped_config_loads_with_keepalived_t(shipped, tmp_path):
    # The directories the package creates (keepalived 2.3.3's -t crashes, signal 11,
    # on a track file whose directory is missing).
    run_dir, state_dir = tmp_path / "run", tmp_path / "state"
    run_dir.mkdir()
    state_dir.mkdir()
    conf = tmp_path / shipped.name
    conf.write_text(shipped.read_text().replace("/run/redis-vrrp-agent/", f"{run_dir}/")
                    .replace("/var/lib/redis-vrrp-agent/", f"{state_dir}/"))
    r = keepalived_test(conf)
    assert r.returncode == 0, f"keepalived -t {shipped.name}: {r.stdout}{r.stderr}"


def test_keepalived_t_rejects_a_broken_config(tmp_path):
    """Proves the test above could fail: keepalived -t does check."""
    conf = tmp_path / "broken.conf"
    conf.write_text("vrrp_instance X {\n    priority 999\n}\n")
    assert keepalived_test(conf).returncode != 0
