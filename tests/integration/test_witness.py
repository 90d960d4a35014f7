"""The witness: `redis-vrrp-agent witness` against real redis-servers (its verdicts, and
what it does with questions it must not answer), and the daemon's side against a
witness that answers what the test tells it to: while the witness says the silent peer
is alive, or says nothing, the node holds its track file failed; "gone" releases it.
The end-to-end proof, a partition between the nodes with the client reaching both, is
`make chaos` (tests/chaos)."""
import socket
import subprocess
import threading

import pytest

from helpers import AGENT, Blackhole, run_agent, wait_for

PROTOCOL = "rva-witness 1"


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask(port, host, redis_port, nonce="n1", timeout=1.0):
    """One question to the witness on 127.0.0.1:port: its answer, or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(f"{PROTOCOL} probe {host} {redis_port} {nonce}".encode(), ("127.0.0.1", port))
        try:
            return s.recv(4096).decode()
        except socket.timeout:
            return None


@pytest.fixture
def witness():
    """start(*nodes) -> UDP port of a running witness watching those 127.0.0.1 ports."""
    procs = []

    def start(*ports, probe_timeout_ms=200):
        udp = free_udp_port()
        argv = [str(AGENT), "witness", "--listen", f"127.0.0.1:{udp}",
                "--probe-timeout-ms", str(probe_timeout_ms)]
        for p in ports:
            argv += ["--node", f"127.0.0.1:{p}"]
        procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True))
        # Ready once it answers a question at all (about a node it does not watch).
        wait_for("the witness to answer", lambda: ask(udp, "127.0.0.1", 1, timeout=0.2),
                 timeout=10)
        return udp

    yield start
    for p in procs:
        p.kill()
        p.wait(timeout=10)


def test_witness_tells_a_live_redis_from_a_refused_one_and_a_silent_one(redis_factory, witness,
                                                                        dead_port):
    redis = redis_factory("peer").start()
    silent = Blackhole()
    try:
        port = witness(redis.port, dead_port, silent.port)
        assert ask(port, "127.0.0.1", redis.port, "n-live") == f"{PROTOCOL} n-live alive PONG"
        assert ask(port, "127.0.0.1", dead_port, "n-dead") == f"{PROTOCOL} n-dead gone refused"
        assert ask(port, "127.0.0.1", silent.port, "n-silent") == \
            f"{PROTOCOL} n-silent gone timeout"
        redis.kill()
        assert ask(port, "127.0.0.1", redis.port, "n-killed") == \
            f"{PROTOCOL} n-killed gone refused"
    finally:
        silent.close()


def test_a_redis_that_wants_a_password_is_alive(redis_factory, witness):
    # The witness never authenticates: NOAUTH still proves the server is up.
    redis = redis_factory("peer", password="witness-test-secret").start()
    port = witness(redis.port)
    assert ask(port, "127.0.0.1", redis.port, "n") == f"{PROTOCOL} n alive NOAUTH"


def test_witness_answers_only_about_its_nodes_and_ignores_garbage(redis_factory, witness):
    redis = redis_factory("peer").start()
    port = witness(redis.port)
    other = redis_factory("other").start()
    # A Redis it was not given is not probed: the witness is no port scanner.
    answer = ask(port, "127.0.0.1", other.port, "n-other")
    assert answer.startswith(f"{PROTOCOL} n-other unknown"), answer
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        for junk in (b"", b"hello", b"rva-witness 2 probe 127.0.0.1 1 n", b"\xff" * 600):
            s.sendto(junk, ("127.0.0.1", port))
            with pytest.raises(socket.timeout):
                s.recv(4096)
    # And it still answers.
    assert ask(port, "127.0.0.1", redis.port, "n-after") == f"{PROTOCOL} n-after alive PONG"


@pytest.mark.parametrize("argv, message", [
    ([], "--node"),
    (["--node", "127.0.0.1:6379", "--bogus", "1"], "--bogus"),
    (["--node", "redis.example:6379", "--node", "127.0.0.1:6379"], "redis.example"),
    (["--node", "127.0.0.1:99999", "--node", "127.0.0.1:6379"], "99999"),
    (["--node", "127.0.0.1:6379", "--node", "127.0.0.2:6379", "--probe-timeout-ms", "abc"],
     "abc"),
])
def test_bad_witness_arguments_are_named(argv, message):
    r = subprocess.run([str(AGENT), "witness", *argv], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert message in r.stderr, r.stderr


class FakeWitness:
    """A witness that answers every question with the verdict the test sets (None:
    silence). It stands in for the witness, not for Redis: the daemon's Redis is real."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.verdict = "alive PONG"
        self.questions = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                data, addr = self.sock.recvfrom(4096)
            except OSError:
                return
            words = data.decode().split()
            self.questions += 1
            if self.verdict is not None and len(words) == 6:
                self.sock.sendto(f"{PROTOCOL} {words[5]} {self.verdict}".encode(), addr)

    def close(self):
        self.sock.close()


def test_node_holds_its_track_file_while_the_witness_reaches_the_silent_peer(
        redis_factory, daemons, dead_port):
    local = redis_factory("local").start()
    local.client().set("k", "v")  # data of its own: not held back by the empty-start gate
    fake = FakeWitness()
    try:
        d = daemons("agent", local.port, dead_port,
                    {"check": {"healthy_value": 0, "fail_value": 7},
                     "witness": {"address": "127.0.0.1", "port": fake.port,
                                 "timeout_ms": 200}}).start()
        d.wait_track(7)
        s = d.wait_status("the witness to hold the node",
                          lambda s: s["witness"] and s["witness"]["holding"])
        assert s["witness"]["verdict"] == "peer-alive", s["witness"]
        assert fake.questions > 0

        fake.verdict = "gone refused"
        d.wait_track(0)
        s = d.wait_status("the witness to release the node",
                          lambda s: not s["witness"]["holding"])
        assert s["witness"]["verdict"] == "peer-gone", s["witness"]

        # A witness that does not answer proves nothing: hold again.
        fake.verdict = None
        d.wait_track(7)
        s = d.wait_status("the silent witness to hold the node",
                          lambda s: s["witness"]["holding"])
        assert s["witness"]["verdict"] == "no-answer", s["witness"]
        d.stop()
        assert "witness" in d.log()
    finally:
        fake.close()


def test_without_a_witness_a_silent_peer_holds_nothing_back(redis_factory, daemons, dead_port):
    local = redis_factory("local").start()
    local.client().set("k", "v")
    d = daemons("agent", local.port, dead_port, {"check": {"healthy_value": 0,
                                                           "fail_value": 7}}).start()
    d.wait_track(0)
    assert d.status()["witness"] is None
    d.stop()


def test_a_witness_needs_the_peer_by_its_numeric_address(tmp_path):
    # The witness watches the peer by the address its --node names; a name here could
    # mean another address there, and resolving it would block the question.
    conf = tmp_path / "agent.conf"
    conf.write_text(f"[agent]\nrun_dir = {tmp_path / 'run'}\n[peer]\nhost = peer.example\n"
                    f"[check]\ntrack_file = {tmp_path / 'track'}\n"
                    "[witness]\naddress = 192.0.2.13\n")
    r = run_agent("run", config=conf, timeout=10)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "[peer] host = peer.example: with a [witness], the peer must be given by its " \
           "numeric address" in r.stderr, r.stderr
    assert not (tmp_path / "run").exists()
