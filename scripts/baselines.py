"""The alternatives the benchmark compares the agent with, rebuilt in the same lab:

- HooksLab: the shell-script setup people copy: a `redis-cli PING` vrrp_script and
  notify hooks that sleep 15 s, SLAVEOF the peer, sleep 10 s, SLAVEOF NO ONE, with
  the password on the command line. Customary priorities 100/90.
- SentinelLab: no keepalived and no VIP; three Redis Sentinels (both hosts and the
  client host), and a Sentinel-aware client.
Used by tests/bench only; nobody should deploy these.
"""
import subprocess

import lablib
import server_kind

HOOK_MASTER = """#!/bin/sh
# The classic notify_master hook: wait, catch up from the peer, wait, promote.
sleep 15
{cli} -a {pw} SLAVEOF {peer} 6379
sleep 10
{cli} -a {pw} SLAVEOF NO ONE
"""

HOOK_BACKUP = """#!/bin/sh
# The classic notify_backup hook: wait, then replicate from the peer.
sleep 15
{cli} -a {pw} SLAVEOF {peer} 6379
"""

HOOK_CHECK = """#!/bin/sh
[ "$({cli} -a {pw} PING 2>/dev/null)" = PONG ]
"""

KEEPALIVED_HOOKS = """global_defs {{
    router_id {name}
    script_user root
}}

vrrp_script chk_redis {{
    script "{dir}/check.sh"
    interval 1
    fall 2
    rise 2
    weight 0
}}

vrrp_instance VI_1 {{
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority {priority}
    advert_int 1
    unicast_src_ip {addr}
    unicast_peer {{
        {peer}
    }}
    virtual_ipaddress {{
        {vip}/24 dev eth0
    }}
    track_script {{
        chk_redis
    }}
    notify_master "{dir}/master.sh"
    notify_backup "{dir}/backup.sh"
}}
"""


class HooksLab(lablib.Lab):
    """The lab with the shell hooks instead of the agent."""

    def render_configs(self):
        super().render_configs()
        for name, node in self.nodes.items():
            peer = lablib.NODES[node.peer]
            for script, text in (("check.sh", HOOK_CHECK), ("master.sh", HOOK_MASTER),
                                 ("backup.sh", HOOK_BACKUP)):
                path = node.dir / script
                path.write_text(text.format(pw=self.password, peer=peer, cli=server_kind.CLI))
                path.chmod(0o700)
            (node.dir / "keepalived.conf").write_text(KEEPALIVED_HOOKS.format(
                name=f"hooks-{name}", dir=node.dir, priority=100 if name == "a" else 90,
                addr=node.addr, peer=peer, vip=lablib.VIP))

    def start_host_services(self, node):
        node.start_keepalived()

    def start_services(self):
        a, b = self.nodes["a"], self.nodes["b"]
        # Start as a settled pair, so the first measurement is not the hooks' 25 s start.
        b.redis().replicaof(a.addr, lablib.PORT)
        a.start_keepalived()
        lablib.wait_for("A to hold the VIP", a.holds_vip, 30, log=self.log)
        b.start_keepalived()


SENTINEL_CONF = """port 26379
bind 0.0.0.0
protected-mode no
dir {dir}
logfile {dir}/sentinel.log
sentinel monitor mymaster {master} 6379 2
sentinel auth-pass mymaster {pw}
sentinel down-after-milliseconds mymaster {down_after_ms}
sentinel failover-timeout mymaster 10000
sentinel parallel-syncs mymaster 1
"""


class SentinelLab(lablib.Lab):
    """Two Redis hosts and three Sentinels (on a, b and the client host c)."""

    def __init__(self, *args, down_after_ms=1000, **kw):
        super().__init__(*args, **kw)
        self.down_after_ms = down_after_ms
        self.sentinel_hosts = [lablib.NODES["a"], lablib.NODES["b"], lablib.CLIENT_ADDR]

    def start_sentinel(self, ns_name, master_addr):
        d = self.dir / f"sentinel-{ns_name}"
        d.mkdir(parents=True, exist_ok=True)
        conf = d / "sentinel.conf"
        conf.write_text(SENTINEL_CONF.format(dir=d, master=master_addr, pw=self.password,
                                             down_after_ms=self.down_after_ms))
        conf.chmod(0o600)
        log = open(d / "stdout.log", "ab")
        proc = subprocess.Popen(["ip", "netns", "exec", lablib.NS[ns_name], server_kind.SERVER,
                                 str(conf), "--sentinel"], stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        (d / "sentinel.pid").write_text(str(proc.pid))

    def start_services(self):
        a, b = self.nodes["a"], self.nodes["b"]
        b.redis().replicaof(a.addr, lablib.PORT)
        for ns_name in ("a", "b", "c"):
            self.start_sentinel(ns_name, a.addr)

    def crash_host(self, name):
        super().crash_host(name)
        lablib.kill_pidfile(self.dir / f"sentinel-{name}" / "sentinel.pid")

    def start_host_services(self, node):
        # A rebooted Sentinel starts from its config; the others tell it the new master.
        self.start_sentinel(node.name, lablib.NODES[node.peer])

    def down(self, quiet=False):
        for pidfile in self.dir.glob("sentinel-*/sentinel.pid"):
            lablib.kill_pidfile(pidfile)
        super().down(quiet)

    def wait_settled(self, timeout=30, quiet=False):
        def settled():
            a, b = self.nodes["a"], self.nodes["b"]
            info = b.redis().info("replication")
            return a.role() == "master" and info.get("master_link_status") == "up" and "a"
        return lablib.wait_for("A master with B its replica", settled, timeout,
                               log=None if quiet else self.log)[0]

    def writer_target_args(self):
        return ["--sentinel", ",".join(self.sentinel_hosts)]
