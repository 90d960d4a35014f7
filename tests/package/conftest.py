"""The booted pair for tests/package: two hosts under systemd with redis-server and
keepalived from the distribution, the .deb installed with `apt install ./...deb`,
and everything configured the way the README's "Installing from the packages"
section tells an operator. scripts/package-check builds the packages and the host
image and passes them in RVA_DEB, RVA_DEB_PREVIOUS and RVA_HOST_IMAGE."""
import os
import secrets
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import booted  # noqa: E402
import lablib  # noqa: E402
from lablib import wait_for  # noqa: E402

EXAMPLES = "/usr/share/doc/redis-vrrp-agent/examples"


def need(variable):
    value = os.environ.get(variable)
    if not value or not Path(value).exists():
        pytest.fail(f"{variable} must name an existing file (run make package-check)")
    return Path(value)


def configure(host, password):
    """The README's steps for one host, in order."""
    # 1. Redis: reachable by the peer, password-protected, replicating with it.
    #    (The unix socket is the test's own way in; see booted.REDIS_SOCKET.)
    conf = host.path("/etc/redis/redis.conf")
    conf.write_text(conf.read_text() + "\n".join([
        "", "# redis-vrrp-agent pair", "bind 0.0.0.0", f"requirepass {password}",
        f"masterauth {password}", "repl-diskless-sync-delay 1",
        f"unixsocket {booted.REDIS_SOCKET}", "unixsocketperm 700", ""]))
    host.run("systemctl", "restart", "redis-server")
    # 2. The agent: the example, with the peer's address and the password file.
    #    The daemon runs as its own user: the password file is root's, its group's.
    host.write("/etc/redis-vrrp-agent/redis.pw", password + "\n", 0o640)
    host.run("chgrp", "redis-vrrp-agent", "/etc/redis-vrrp-agent/redis.pw")
    agent = host.path(f"{EXAMPLES}/agent.conf").read_text()
    agent = agent.replace("host = 192.0.2.12", f"host = {lablib.NODES[host.peer]}")
    agent = agent.replace("password_file =\n", "password_file = /etc/redis-vrrp-agent/redis.pw\n", 1)
    host.write("/etc/redis-vrrp-agent/agent.conf", agent, 0o644)
    # 3. keepalived: this node's example as it is (the lab uses its addresses).
    shutil.copy(host.path(f"{EXAMPLES}/keepalived-node-{host.name}.conf"),
                host.path("/etc/keepalived/keepalived.conf"))
    # 4. Check, enable, start.
    host.run("redis-vrrp-agent", "config-test")
    host.run("systemctl", "enable", "--now", "redis-vrrp-agent")
    host.run("systemctl", "restart", "keepalived")


class Pair:
    def __init__(self, image, log=print):
        self.hosts = {name: booted.BootedHost(name, image, log) for name in lablib.NODES}
        self.password = "pkg-" + secrets.token_hex(12)
        self.fresh_install = {}  # host name -> apt's output and the unit's state then
        self.log = log

    def up(self, deb):
        booted.HOSTS_DIR.mkdir(parents=True, exist_ok=True)
        lablib.create_network(booted.NS)
        for host in self.hosts.values():
            host.create()
            host.boot()
        for host in self.hosts.values():
            output = host.apt_install(deb)
            self.fresh_install[host.name] = {
                "apt": output,
                **host.show("redis-vrrp-agent", "ActiveState", "Result", "ConditionResult",
                            "UnitFileState")}
        for host in self.hosts.values():
            configure(host, self.password)
        self.wait_settled()

    def settled(self):
        """'a' or 'b' when one host holds the VIP as master and the other replicates
        from it with its link up; otherwise None."""
        holders = [h for h in self.hosts.values() if h.holds_vip()]
        if len(holders) != 1 or holders[0].role(self.password) != "master":
            return None
        replica = self.hosts[holders[0].peer]
        info = replica.redis(self.password).info("replication")
        if info["role"] != "slave" or info.get("master_link_status") != "up":
            return None
        return holders[0].name

    def wait_settled(self, timeout=60):
        return wait_for("the pair to settle (VIP on a master, the peer its replica)",
                        self.settled, timeout, interval=0.05, log=self.log)[0]

    def down(self):
        for host in self.hosts.values():
            host.destroy()
        for ns in booted.NS.values():
            lablib.run("ip", "netns", "del", ns, check=False)


@pytest.fixture(scope="session")
def pair():
    if os.geteuid() != 0:
        pytest.fail("the booted hosts need root (systemd-nspawn, network namespaces)")
    the_pair = Pair(need("RVA_HOST_IMAGE"))
    try:
        the_pair.up(need("RVA_DEB_PREVIOUS"))
        yield the_pair
    finally:
        the_pair.down()


@pytest.fixture(scope="session")
def deb():
    return need("RVA_DEB")
