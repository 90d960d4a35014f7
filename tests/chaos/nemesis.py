"""The chaos run's faults: each one injected into the lab and healed again, with what
it may cost by physics. A fault that stops the master at once (its Redis killed or
paused, its host crashed, its link cut) may lose the writes it had acknowledged and
not yet streamed to the replica: those acknowledged in CRASH_WINDOW_S before it.
A partition of the two nodes while the client reaches both may lose the writes the
isolated master takes until the peer takes over, unless a witness is configured:
two nodes alone cannot tell a dead peer from a cut link. Nothing else may lose any.
"""
import signal

import lablib

# How far before a fault a write acknowledged by the master may not have reached the
# replica: the replication stream trails by well under a millisecond here, so this
# is generous. It bounds what "lost in a crash window" may excuse.
CRASH_WINDOW_S = 0.25
# The slow peer: the replication stream into the refilling node, limited by nftables
# (this kernel has no netem).
SLOW_PEER_KBYTES_S = 2048
NFT_TABLE = "rva_chaos"


def nft(node, rules):
    lablib.run("ip", "netns", "exec", node.ns, "nft", "-f", "-", input=rules)


def nft_clear(node):
    lablib.run("ip", "netns", "exec", node.ns, "nft", "delete", "table", "inet", NFT_TABLE,
               check=False)


def drop_peer_rules(peer_addr):
    return (f"table inet {NFT_TABLE} {{\n"
            f" chain in {{ type filter hook input priority 0; ip saddr {peer_addr} drop; }}\n"
            f" chain out {{ type filter hook output priority 0; ip daddr {peer_addr} drop; }}\n"
            "}\n")


class Fault:
    """One kind of fault. `crash_like`: stops the target at once, so when the target
    is the master its last CRASH_WINDOW_S of writes may be lost."""
    name = "?"
    crash_like = False
    # Whether the target must be the replica (a refill needs a master to refill from).
    replica_only = False

    def __init__(self, lab, node, witness):
        self.lab, self.node, self.witness = lab, node, witness
        self.peer = lab.nodes[node.peer]

    def inject(self):
        raise NotImplementedError

    def heal(self):
        raise NotImplementedError

    def loses_until_converged(self):
        """Whether the loss window runs on past the heal until the pair converges."""
        return False

    def loss_window(self, t_inject, t_heal, target_was_master):
        """(start, end, why) of the acknowledged writes this fault may lose, or None."""
        if self.crash_like and target_was_master:
            return (t_inject - CRASH_WINDOW_S, t_inject + 0.05,
                    "acknowledged by the master just before it stopped, not yet streamed")
        return None


class RedisKill(Fault):
    name = "redis-kill"
    crash_like = True

    def inject(self):
        self.node.kill("redis", signal.SIGKILL)

    def heal(self):
        self.node.start_redis(empty=True)


class RedisPause(Fault):
    name = "redis-pause"
    crash_like = True

    def inject(self):
        self.node.kill("redis", signal.SIGSTOP)

    def heal(self):
        self.node.kill("redis", signal.SIGCONT)


class AgentKill(Fault):
    name = "agent-kill"

    def inject(self):
        self.node.kill("agent", signal.SIGKILL)

    def heal(self):
        self.node.stop("agent")  # reaps it; the pid file goes
        self.node.start_agent()


class KeepalivedStop(Fault):
    name = "keepalived-stop"

    def inject(self):
        self.node.stop("keepalived")

    def heal(self):
        self.node.start_keepalived()


class KeepalivedReload(Fault):
    name = "keepalived-reload"

    def inject(self):
        self.node.reload_keepalived()

    def heal(self):
        pass


class LinkCut(Fault):
    name = "link-cut"
    crash_like = True

    def inject(self):
        self.lab.cut_link(self.node.name)

    def heal(self):
        self.lab.heal_link(self.node.name)


class Isolate(Fault):
    """The target alone on one side, the peer and the client on the other: its bridge
    port leaves the bridge, its carrier stays up (keepalived there sees silence)."""
    name = "partition-alone"
    crash_like = True

    def inject(self):
        lablib.run("ip", "-n", lablib.NS["sw"], "link", "set", f"{self.node.name}0", "nomaster")

    def heal(self):
        lablib.run("ip", "-n", lablib.NS["sw"], "link", "set", f"{self.node.name}0", "master",
                   "br0")


class SplitNodes(Fault):
    """The two nodes cut from each other, the client reaching both: the partition two
    nodes cannot tell from a crash. Without a witness the isolated master's writes
    until the peer takes over are lost; with one, nothing may be."""
    name = "partition-nodes"

    def inject(self):
        nft(self.node, drop_peer_rules(self.peer.addr))
        nft(self.peer, drop_peer_rules(self.node.addr))

    def heal(self):
        nft_clear(self.node)
        nft_clear(self.peer)

    def loss_window(self, t_inject, t_heal, target_was_master):
        if self.witness:
            return None
        # Until the pair has converged, not just until the heal: neither node can know
        # it is the one whose writes will go before it hears the other again.
        return (t_inject - CRASH_WINDOW_S, t_heal,
                "partition of the two nodes without a witness: both took writes until the "
                "pair converged after the heal")

    def loses_until_converged(self):
        return not self.witness


class SlowRefill(Fault):
    """The replica's Redis killed and restarted empty while the stream from the master
    is throttled: a refill through a slow peer."""
    name = "slow-refill"
    replica_only = True

    def inject(self):
        nft(self.node, f"table inet {NFT_TABLE} {{\n chain in {{ type filter hook input "
                       f"priority 0; ip saddr {self.peer.addr} tcp sport {lablib.PORT} "
                       f"limit rate over {SLOW_PEER_KBYTES_S} kbytes/second drop; }}\n}}\n")
        self.node.kill("redis", signal.SIGKILL)
        self.node.stop("redis")
        self.node.start_redis(empty=True)

    def heal(self):
        nft_clear(self.node)


class HostCrash(Fault):
    name = "host-crash"
    crash_like = True

    def inject(self):
        self.lab.crash_host(self.node.name)

    def heal(self):
        for what in ("agent", "keepalived", "redis"):
            self.node.stop(what)  # reap the killed processes
        self.lab.reboot_host(self.node.name)


KINDS = {f.name: f for f in (RedisKill, RedisPause, AgentKill, KeepalivedStop, KeepalivedReload,
                             LinkCut, Isolate, SplitNodes, SlowRefill, HostCrash)}
