"""The bad-input catalogue: one row per bad input the agent can be handed, each
asserting a clear message that names the problem and that nothing changed: no
connection to Redis (so no command sent) or no command that changes anything, no file
written, and the daemon still running where there is one.

Real redis-servers throughout; the misbehaving servers (garbage, a reply cut short,
silence) are small fakes here, since no real Redis misbehaves on purpose."""
import errno
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from daemon_harness import FAST_FULL_SYNC
from helpers import (AGENT, Blackhole, FakeServer, control_request, fill_keys, run_agent,
                     write_node_config, write_password_file)

def catalogue(argnames, rows):
    """Parametrize a test by a table whose rows are (id, *values)."""
    return pytest.mark.parametrize(argnames, [r[1:] for r in rows], ids=[r[0] for r in rows])


# ---- what "nothing changed" means ----


def connections(server):
    """Connections the server has accepted so far; asking costs one (this one)."""
    return server.client().info("stats")["total_connections_received"]


def assert_nobody_connected(server, before):
    assert connections(server) == before + 1, "the agent connected to Redis"


def changing_commands(server):
    """Commands that change roles or data, as the server counted them."""
    stats = server.client().info("commandstats")
    return {k: v["calls"] for k, v in stats.items()
            if k.split("_", 1)[1] in ("replicaof", "slaveof", "failover", "set", "flushall")}


# ---- agent.conf ----

def base_config(tmp_path, server):
    return (f"[agent]\nrun_dir = {tmp_path / 'run'}\n"
            f"[redis]\nhost = 127.0.0.1\nport = {server.port}\n"
            f"[peer]\nhost = 127.0.0.1\nport = {server.port}\n"
            f"[check]\ntrack_file = {tmp_path / 'track'}\n").encode()


CONFIG_ROWS = [
    ("unknown key", b"[check]\nbogus_key = 1\n", ":12: [check] bogus_key = 1: unknown key"),
    ("unknown section", b"[bogus]\nx = 1\n", ":12: [bogus] x = 1: unknown section [bogus]"),
    ("bad number", b"[check]\ninterval_ms = fast\n", ":12: [check] interval_ms = fast: "),
    ("huge number", b"[check]\ninterval_ms = 99999999999999999999\n",
     "interval_ms = 99999999999999999999: out of range (10 to 60000)"),
    ("key set twice", b"[check]\ninterval_ms = 100\ninterval_ms = 200\n",
     ":13: [check] interval_ms = 200: set twice (first at line 12)"),
    ("overlong line", b"[check]\ninterval_ms = " + b"9" * 5000 + b"\n", ":12: line too long"),
    ("line without =", b"[check]\ninterval_ms\n", ":12: syntax error"),
    ("not UTF-8", b"[keepalived]\ninstance = VI_\xff\n",
     ":12: not valid UTF-8: byte 0xff at column 4 of the value"),
    ("witness by name", b"[witness]\naddress = witness.example\n",
     "[witness] address = witness.example: not a numeric IPv4 or IPv6 address"),
    ("witness port", b"[witness]\naddress = 127.0.0.1\nport = 0\n",
     ":13: [witness] port = 0: out of range (1 to 65535)"),
    ("password typed into the config", b"[redis]\npassword = hunter2hunter2\n",
     "password = (value hidden): unknown key (passwords go in a password_file)"),
]


@catalogue("text,expected", CONFIG_ROWS)
def test_config_error(tmp_path, redis_factory, text, expected):
    server = redis_factory("local").start()
    conf = tmp_path / "agent.conf"
    conf.write_bytes(base_config(tmp_path, server) + text)
    before = connections(server)
    r = run_agent("run", config=conf, timeout=10)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert f"config error: {conf}" in r.stderr and expected in r.stderr, r.stderr
    assert b"\xff" not in r.stderr.encode(errors="surrogateescape")
    assert "hunter2" not in r.stderr
    assert not (tmp_path / "track").exists() and not (tmp_path / "run").exists()
    assert_nobody_connected(server, before)


def test_missing_config_file_is_named(tmp_path):
    r = run_agent("run", config=tmp_path / "absent.conf", timeout=10)
    assert r.returncode == 2
    assert f"{tmp_path / 'absent.conf'}: cannot open config: No such file or directory" in r.stderr


# ---- password files ----

def password_missing(path):
    pass


def password_world_readable(path):
    write_password_file(path, "catalogue-pw-1", mode=0o644)


def password_other_group(path):
    write_password_file(path, "catalogue-pw-2", mode=0o640)
    os.chown(path, 0, 12345)


def password_directory(path):
    path.mkdir()


def password_empty(path):
    path.write_text("\n")
    path.chmod(0o600)


PASSWORD_ROWS = [
    ("missing", password_missing, "cannot open: No such file or directory"),
    ("world-readable", password_world_readable,
     "accessible by others (mode 0644); run: chmod 600"),
    ("another group", password_other_group, "accessible by group 12345, not only the agent's own"),
    ("a directory", password_directory, "not a regular file"),
    ("empty", password_empty, "first line is empty"),
]


@catalogue("make,expected", PASSWORD_ROWS)
def test_password_file_error(tmp_path, redis_factory, make, expected):
    server = redis_factory("local").start()
    pw = tmp_path / "redis.pw"
    make(pw)
    conf = tmp_path / "agent.conf"
    conf.write_bytes(base_config(tmp_path, server) + f"[redis]\npassword_file = {pw}\n".encode())
    before = connections(server)
    r = run_agent("run", config=conf, timeout=10)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert f"[redis] password_file = {pw}: {expected}" in r.stderr, r.stderr
    assert not (tmp_path / "track").exists()
    assert_nobody_connected(server, before)


@pytest.fixture
def open_dir():
    """A directory others may enter (pytest's tmp_path is root's only)."""
    path = Path(tempfile.mkdtemp(prefix="rvt-bad-input-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def test_password_file_the_agent_may_not_read(open_dir, redis_factory):
    server = redis_factory("local").start()
    pw = write_password_file(open_dir / "redis.pw", "catalogue-pw-3")  # root's, 0600
    conf = open_dir / "agent.conf"
    conf.write_bytes(base_config(open_dir, server) + f"[redis]\npassword_file = {pw}\n".encode())
    conf.chmod(0o644)
    before = connections(server)
    r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                        str(AGENT), "-c", str(conf), "run"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert f"password_file = {pw}: cannot open: Permission denied" in r.stderr, r.stderr
    assert_nobody_connected(server, before)


# ---- keepalived's notify arguments ----

NOTIFY_ROWS = [
    ("no arguments", [], "got 0 arguments"),
    ("unknown state", ["INSTANCE", "VI_1", "PANIC"], "state 'PANIC': expected MASTER, BACKUP"),
    ("unknown short form", ["promote"], "'promote': expected master, backup, fault or stop"),
    ("unknown scope", ["BOGUS", "VI_1", "MASTER"], "'BOGUS': expected INSTANCE or GROUP"),
    ("priority not a number", ["INSTANCE", "VI_1", "MASTER", "abc"],
     "priority 'abc': expected a number from 0 to 255"),
    ("priority too large", ["INSTANCE", "VI_1", "MASTER", "999"], "priority '999'"),
    ("name too long", ["INSTANCE", "x" * 200, "MASTER"], "longer than 127 characters"),
    ("too many arguments", ["GROUP", "G", "MASTER", "100", "extra"], "got 5 arguments"),
]


@catalogue("args,expected", NOTIFY_ROWS)
def test_notify_argument_error(tmp_path, redis_factory, args, expected):
    local = redis_factory("local").start()
    peer = redis_factory("peer").start()
    conf = write_node_config(tmp_path, local, peer)
    before = (connections(local), connections(peer))
    r = run_agent("notify", *args, config=conf, timeout=10)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert expected in r.stderr, r.stderr
    assert_nobody_connected(local, before[0])
    assert_nobody_connected(peer, before[1])
    assert not (tmp_path / "run").exists() or not any((tmp_path / "run").iterdir())


# ---- a running daemon: FIFO lines and control requests ----

@pytest.fixture
def running(redis_factory, daemons):
    """A daemon on a healthy replica of a real peer; (daemon, local, peer)."""
    peer = redis_factory("peer", extra=[FAST_FULL_SYNC]).start()
    local = redis_factory("local", extra=[FAST_FULL_SYNC, f"replicaof 127.0.0.1 {peer.port}"])
    local.start()
    d = daemons("agent", local.port, peer.port).start()
    d.wait_status("the local replica to be healthy", lambda s: s["local"]["healthy"])
    return d, local, peer


def assert_untouched(d, local, peer, changes_before):
    assert d.running(), d.log()
    reply, seconds = d.request("status")
    assert reply.startswith("ok\n"), reply
    assert not re.search(r"starting \w+ transition", d.log()), d.log()
    assert (changing_commands(local), changing_commands(peer)) == changes_before


FIFO_ROWS = [
    ("binary bytes", b"\x00\xff\xfe garbage\n", "with control bytes, not text from keepalived"),
    ("malformed state", b'INSTANCE "VI_1" m@ster 100\n', "malformed notify FIFO line"),
    ("unterminated quote", b'INSTANCE "VI_1 MASTER 100\n', "unterminated quote"),
    ("too few words", b'INSTANCE "VI_1"\n', "expected INSTANCE NAME STATE PRIORITY"),
    ("oversize line", b"INSTANCE " + b"x" * 10000 + b"\n", "line longer than 4095 bytes (skipped)"),
]


@catalogue("data,expected", FIFO_ROWS)
def test_fifo_garbage_is_skipped_and_named(running, data, expected):
    d, local, peer = running
    before = (changing_commands(local), changing_commands(peer))
    fd = os.open(d.fifo, os.O_WRONLY | os.O_NONBLOCK)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    d.wait_log("(skipped)")
    assert expected in d.log()
    assert_untouched(d, local, peer, before)


def test_a_partial_fifo_line_waits_for_its_end_and_does_nothing_alone(running):
    d, local, peer = running
    before = (changing_commands(local), changing_commands(peer))
    d.write_fifo('INSTANCE "VI_1" MAS')
    reply, _ = d.request("status")  # the loop went on past the half line
    assert reply.startswith("ok\n")
    assert "notification" not in d.log()
    assert_untouched(d, local, peer, before)


CONTROL_ROWS = [
    ("binary bytes", b"\xff\xfe\x00junk\n", "request with bytes that are not ASCII"),
    ("control bytes", b"status\x1b[2J\n", "request with control bytes"),
    ("unknown request", b"promote now\n", "error: unknown request 'promote now'"),
    ("oversize", b"status " + b"x" * 5000 + b"\n", "error: request longer than 1023 bytes"),
    ("too many words", b"notify a b c d e f g h\n", "has more than 8 words"),
    ("bad switchover argument", b"switchover --timeout 5\n", "bad argument '--timeout'"),
    ("bad notify arguments", b"notify INSTANCE VI_1 PANIC\n", "error: state 'PANIC'"),
]


def ask(run_dir, data, pace_s=0.0):
    """Send raw bytes (one at a time with pace_s between them, if given); the reply."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(str(Path(run_dir) / "control.sock"))
        for chunk in ([data[i:i + 1] for i in range(len(data))] if pace_s else [data]):
            s.sendall(chunk)
            time.sleep(pace_s)  # the pace of a slow client, not a wait for the daemon
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    return reply.decode()


@catalogue("data,expected", CONTROL_ROWS)
def test_bad_control_request_gets_an_error_naming_it(running, data, expected):
    d, local, peer = running
    before = (changing_commands(local), changing_commands(peer))
    reply = ask(d.run_dir, data)
    assert reply.startswith("error: ") and expected in reply, reply
    assert_untouched(d, local, peer, before)


def test_a_request_sent_one_byte_at_a_time_is_answered(running):
    d, _, _ = running
    assert ask(d.run_dir, b"status\n", pace_s=0.01).startswith("ok\n")


def test_a_client_that_hangs_up_or_says_nothing_costs_nothing(running):
    d, local, peer = running
    before = (changing_commands(local), changing_commands(peer))
    for _ in range(20):
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(d.run_dir / "control.sock"))
    with socket.socket(socket.AF_UNIX) as silent:
        silent.connect(str(d.run_dir / "control.sock"))
        reply, seconds = control_request(d.run_dir, "status")
    assert reply.startswith("ok\n")
    assert_untouched(d, local, peer, before)


# ---- servers that misbehave ----

def garbage_server():
    return FakeServer(b"HELLO I AM NOT REDIS\r\n")


def cut_short_server():
    return FakeServer(b"$1000\r\nrole:mas", close=True)


def silent_server():
    return Blackhole()


SERVER_ROWS = [
    ("answers garbage", garbage_server, "protocol"),
    ("closes mid-reply", cut_short_server, "closed"),
    ("accepts and never answers", silent_server, "timeout after 300 ms"),
]


@pytest.fixture
def fake_server(request):
    made = []

    def make(factory):
        made.append(factory())
        return made[-1]

    yield make
    for s in made:
        s.close()


@catalogue("factory,expected", SERVER_ROWS)
def test_local_redis_that_misbehaves_is_unhealthy_with_the_reason(tmp_path, fake_server,
                                                                  redis_factory, factory,
                                                                  expected):
    bad = fake_server(factory)
    peer = redis_factory("peer").start()
    conf = tmp_path / "agent.conf"
    conf.write_text(f"[redis]\nport = {bad.port}\nconnect_timeout_ms = 200\n"
                    f"command_timeout_ms = 300\n[peer]\nhost = 127.0.0.1\nport = {peer.port}\n")
    start = time.monotonic()
    r = run_agent("check", config=conf, timeout=10)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    output = (r.stdout + r.stderr).lower()
    assert expected in output and str(bad.port) in output, output
    assert time.monotonic() - start < 5  # bounded by the timeouts, never a hang


@catalogue("factory,expected", SERVER_ROWS)
def test_peer_that_misbehaves_is_unreachable_and_the_daemon_goes_on(redis_factory, daemons,
                                                                    fake_server, factory,
                                                                    expected):
    bad = fake_server(factory)
    local = redis_factory("local").start()
    local.client().set("data", 1)
    before = changing_commands(local)
    d = daemons("agent", local.port, bad.port,
                {"peer": {"connect_timeout_ms": 200, "command_timeout_ms": 300}}).start()
    status = d.wait_status(f"the peer to be unreachable ({expected})",
                           lambda s: not s["peer"]["reachable"]
                           and expected in (s["peer"].get("error") or "").lower())
    assert str(bad.port) in status["peer"]["error"]
    reply, seconds = d.request("status")
    assert reply.startswith("ok\n") and seconds < 1  # the loop never waits for the peer
    assert status["local"]["healthy"]
    assert d.running()
    assert changing_commands(local) == before


# ---- a full disk; a missing snapshot_dir ----

@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MiB tmpfs, unmounted at the end."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(mount)],
                   check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk):
    """Fill the filesystem to the last byte."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError as e:
        assert e.errno == errno.ENOSPC, e
    finally:
        os.close(fd)


def test_a_full_disk_for_the_track_file_keeps_the_old_value_and_says_why(tiny_disk,
                                                                        redis_factory, daemons):
    peer = redis_factory("peer").start()
    local = redis_factory("local").start()
    d = daemons("agent", local.port, peer.port, {"check": {"track_file": tiny_disk / "track"}})
    d.track_file = tiny_disk / "track"
    d.start().wait_track(0)
    fill(tiny_disk)
    local.kill()  # unhealthy: the daemon must write 1, and cannot
    d.wait_log("No space left on device")
    line = next(x for x in d.log().splitlines() if "No space left on device" in x)
    assert str(tiny_disk / "track") in line, line
    assert (tiny_disk / "track").read_text().strip() == "0"  # old value whole, not truncated
    assert d.running()
    reply, _ = d.request("status")
    assert reply.startswith("ok\n")


def diverged_pair(tmp_path, redis_factory, snapshot_dir):
    a = redis_factory("a", extra=[FAST_FULL_SYNC]).start()
    b = redis_factory("b", extra=[FAST_FULL_SYNC]).start()
    fill_keys(a, 2000, "a-only", value_size=100)
    fill_keys(b, 10, "b-only")
    conf = write_node_config(tmp_path / "node-a", a, b, snapshot_dir=snapshot_dir,
                             backup_wait_timeout_ms=300)
    return a, b, conf


def test_a_full_snapshot_dir_stops_the_resync_that_would_discard_data(tmp_path, tiny_disk,
                                                                     redis_factory):
    a, b, conf = diverged_pair(tmp_path, redis_factory, tiny_disk / "snapshots")
    fill(tiny_disk)
    r = run_agent("notify", "INSTANCE", "VI_1", "BACKUP", "90", config=conf, timeout=60)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "not switching: snapshot failed" in r.stderr, r.stderr
    assert "No space left on device" in r.stderr, r.stderr
    assert a.client().dbsize() == 2000  # nothing discarded
    assert a.info()["role"] == "master"
    assert not list((tiny_disk / "snapshots").glob("*.partial"))


def test_a_missing_snapshot_dir_is_created_owner_only(tmp_path, redis_factory):
    snapshot_dir = tmp_path / "not" / "yet" / "snapshots"
    a, b, conf = diverged_pair(tmp_path, redis_factory, snapshot_dir)
    r = run_agent("notify", "INSTANCE", "VI_1", "BACKUP", "90", config=conf, timeout=60)
    assert r.returncode == 0, r.stderr
    assert len(list(snapshot_dir.glob("*.rdb"))) == 1
    assert snapshot_dir.stat().st_mode & 0o777 == 0o700


# ---- a peer host name that does not resolve ----

def test_a_peer_name_that_does_not_resolve_is_named_and_blocks_nothing(redis_factory, daemons):
    local = redis_factory("local").start()
    d = daemons("agent", local.port, 6379, {"peer": {"host": "peer.invalid"}}).start()
    d.wait_log("[peer] host peer.invalid does not resolve")
    reply, seconds = d.request("status")
    assert reply.startswith("ok\n") and seconds < 1  # DNS is never waited for in the loop
    assert d.running()
