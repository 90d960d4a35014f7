"""The sync guard against real redis-servers: a replica's Redis, holding data, must not
take a full sync from its master restarted empty (no persistence). The master's
full-sync delay holds the sync back; the daemon cuts it off with REPLICAOF NO ONE and
the data stays. The whole story, with keepalived and a host that reboots faster than
the VIP moves, is a host-crash fault of `make chaos`."""
import signal

from daemon_harness import wait_in_sync
from helpers import wait_for

KEYS = 1000
# Long enough for a check or two of the daemon (interval_ms 100), as Redis's own
# default of 5 s is; a delay of 0 would start the sync before anyone could see it.
SYNC_DELAY = "repl-diskless-sync-delay 2"


def test_a_replica_refuses_a_full_sync_from_its_master_restarted_empty(redis_factory, daemons):
    master = redis_factory("master", extra=[SYNC_DELAY]).start()
    replica = redis_factory("replica").start()
    pipe = master.client().pipeline(transaction=False)
    for i in range(KEYS):
        pipe.set(f"k:{i}", i)
    pipe.execute()
    replica.client().replicaof("127.0.0.1", master.port)
    wait_in_sync(replica, master)
    d = daemons("agent", replica.port, master.port).start()

    master.kill(signal.SIGKILL)
    master.start(empty=True)
    d.wait_log("sync guard: REPLICAOF NO ONE")
    wait_for("the replica to be a master", lambda: replica.info()["role"] == "master",
             timeout=10)
    assert replica.client().dbsize() == KEYS
    assert "would wipe our 1000 keys" in d.log()
    d.stop()
