"""The chaos run against Redis Sentinel instead of the agent (tests/chaos/run.py
--sentinel): the same two hosts and client host, no keepalived and no VIP, three
Sentinels (one on each host and one on the client host, quorum 2) and a client that
asks them for the master. The same seed draws the same faults; a fault with no
counterpart under Sentinel (keepalived's) is drawn and skipped, so the others line up
with the agent's run, and the agent's kill -9 becomes the Sentinel's on that host."""
import subprocess

import redis

import baselines
import lablib
import nemesis
import server_kind

# Tuned, as in make bench: Sentinel's own default is 30 s.
DOWN_AFTER_MS = 200


class SentinelKill(nemesis.Fault):
    """The host's failover manager killed -9 and restarted: here, its Sentinel."""
    name = nemesis.AgentKill.name

    def inject(self):
        self.lab.kill_sentinel(self.node.name)

    def heal(self):
        self.lab.start_sentinel(self.node.name, self.lab.sentinel_master_addr())


# Faults with no counterpart under Sentinel: drawn from the seed, then skipped.
SKIPPED = (nemesis.KeepalivedStop, nemesis.KeepalivedReload)
REPLACED = {nemesis.AgentKill: SentinelKill}


class SentinelChaosLab(baselines.SentinelLab):
    manager = "sentinel"
    full_sync_delay_s = 1  # the same Redis as the agent's chaos lab

    def __init__(self, **kw):
        super().__init__(down_after_ms=DOWN_AFTER_MS, **kw)

    def fault_class(self, kind):
        """The fault to inject for a drawn kind, or None to skip it."""
        return None if kind in SKIPPED else REPLACED.get(kind, kind)

    def down(self, quiet=False):
        lablib.kill_pidfile(self.dir / "client.pid")
        super().down(quiet)

    def kill_sentinel(self, name):
        lablib.kill_pidfile(self.dir / f"sentinel-{name}" / "sentinel.pid")

    def sentinel_master_addr(self):
        """The master the client host's Sentinel names (or a's address before it
        names any): a restarted Sentinel starts from it, as from a kept config."""
        r = subprocess.run(["ip", "netns", "exec", lablib.NS["c"], server_kind.CLI, "-h",
                            lablib.CLIENT_ADDR, "-p", "26379", "sentinel",
                            "get-master-addr-by-name", "mymaster"],
                           capture_output=True, text=True, timeout=5, check=False)
        words = r.stdout.split()
        return words[0] if r.returncode == 0 and words else lablib.NODES["a"]

    def wait_settled(self, timeout=30, quiet=False):
        """One master, which the client host's Sentinel names, the other its replica
        with the link up: the name of the master."""
        def settled():
            masters = [n for n in self.nodes.values() if n.role() == "master"]
            if len(masters) != 1 or self.sentinel_master_addr() != masters[0].addr:
                return None
            m = masters[0]
            try:
                info = self.nodes[m.peer].redis().info("replication")
            except (OSError, redis.RedisError):
                return None
            if info["role"] != "slave" or info.get("master_link_status") != "up" \
                    or info.get("master_host") != m.addr:
                return None
            return m.name
        return lablib.wait_for("one master, named by the Sentinels, the other its replica",
                               settled, timeout, log=None if quiet else self.log)[0]

