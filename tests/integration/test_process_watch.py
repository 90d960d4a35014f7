"""The daemon watches the local server's process for its exit (process_watch.c): a
SIGKILLed server with a large data set keeps its sockets open while the kernel frees
its memory, but its task is marked exiting at once. Against real servers: the process
is found through INFO server and followed, its exit fails health as definitive
evidence, a restarted server is followed under its new pid, and a server the agent
cannot see as the process INFO names (another PID namespace) is left to the
connection, said once in the log."""
import os
import re
import signal

import pytest

import server_kind
from daemon_harness import FAST_FULL_SYNC

SERVER_NAME = server_kind.SERVER  # the task's name: the executable's base name


def followed_pids(d):
    return [int(pid) for pid in re.findall(
        rf"local Redis/Valkey process (\d+) \({SERVER_NAME}\) watched for its exit", d.log())]


def test_a_killed_server_fails_health_from_its_process_and_the_restart_is_followed(
        redis_factory, daemons, dead_port):
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    # fall 3 at 2 s: only definitive evidence can fail health within the wait below.
    d = daemons("agent", local.port, dead_port,
                {"check": {"interval_ms": 2000, "fall": 3, "rise": 1, "fail_value": 7}}).start()
    d.wait_log(f"local Redis/Valkey process {local.proc.pid} ({SERVER_NAME}) watched for its exit")

    local.kill(signal.SIGKILL)
    d.wait_track(7, timeout=10)
    # Whichever came first, the watch reports the process's end: exiting while the
    # kernel tears it down, or gone once it has.
    d.wait_log(f"unhealthy: process {local.proc.pid} ({SERVER_NAME}) is ")
    assert re.search(rf"process {local.proc.pid} \({SERVER_NAME}\) is (exiting|gone)", d.log())

    local.start()  # same port, a new pid
    d.wait_track(0, timeout=10)
    d.wait_log(f"local Redis/Valkey process {local.proc.pid} ({SERVER_NAME}) watched")
    assert followed_pids(d) == [followed_pids(d)[0], local.proc.pid]
    d.stop()


def test_a_sigstopped_server_is_not_taken_for_an_exiting_one(redis_factory, daemons,
                                                            dead_port):
    local = redis_factory("local", extra=[FAST_FULL_SYNC]).start()
    d = daemons("agent", local.port, dead_port,
                {"check": {"interval_ms": 100, "fall": 2, "rise": 1,
                           "fail_value": 7}}).start()
    d.wait_log(f"process {local.proc.pid} ({SERVER_NAME}) watched for its exit")
    local.proc.send_signal(signal.SIGSTOP)
    d.wait_track(7, timeout=10)  # the check's timeouts, counted to fall
    local.proc.send_signal(signal.SIGCONT)
    d.wait_track(0, timeout=10)
    assert "is exiting" not in d.log() and "is gone" not in d.log(), d.log()
    d.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="a PID namespace needs root")
def test_a_server_in_another_pid_namespace_is_left_to_the_connection(redis_factory, daemons,
                                                                     dead_port):
    # The server is pid 1 of its own namespace: INFO names a pid that, here, is another
    # process, which must never be followed in its place.
    local = redis_factory("local", extra=[FAST_FULL_SYNC],
                          prefix=["unshare", "--pid", "--fork", "--kill-child"]).start()
    assert local.info("server")["process_id"] == 1
    d = daemons("agent", local.port, dead_port, {"check": {"fail_value": 7, "rise": 1}}).start()
    d.wait_log("local Redis/Valkey process not watched: pid 1 is '")
    assert f"here, not '{SERVER_NAME}' (another PID namespace?)" in d.log()
    assert d.log().count("local Redis/Valkey process not watched") == 1, d.log()

    local.kill(signal.SIGKILL)  # unshare, and with it the server
    d.wait_track(7, timeout=10)
    assert "local Redis/Valkey closed our connection: checking at once" in d.log()
    d.stop()
