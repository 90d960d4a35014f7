"""`redis-vrrp-agent check` against real redis-server processes: exit code and the
one line keepalived's vrrp_script gets."""
import signal
import time

from helpers import run_agent, wait_for, write_config, write_password_file


def agent_config(tmp_path, server=None, port=None, password=None, user=None, unix_socket=None,
                 **extra_redis):
    redis_keys = {"host": "127.0.0.1", "port": port or server.port,
                  "connect_timeout_ms": 200, "command_timeout_ms": 300}
    if password is not None:
        redis_keys["password_file"] = write_password_file(tmp_path / "redis.pw", password)
    if user:
        redis_keys["user"] = user
    if unix_socket:
        redis_keys["unix_socket"] = unix_socket
    redis_keys.update(extra_redis)
    return write_config(tmp_path / "agent.conf",
                        {"redis": redis_keys, "peer": {"host": "192.0.2.12"}})


def test_healthy_master_exits_0_and_names_role(redis_factory, tmp_path):
    server = redis_factory("local").start()
    r = run_agent("check", config=agent_config(tmp_path, server))
    assert r.returncode == 0, r
    assert r.stdout == "ok role=master\n"


def test_healthy_replica_reports_role_and_link(redis_factory, tmp_path):
    master = redis_factory("master").start()
    replica = redis_factory("replica").start()
    replica.client().replicaof("127.0.0.1", master.port)
    r = run_agent("check", config=agent_config(tmp_path, replica))
    assert r.returncode == 0
    assert r.stdout.startswith("ok role=replica link=")


def test_not_running_is_unhealthy_connect_refused(redis_factory, tmp_path):
    server = redis_factory("local").start()
    server.stop()
    r = run_agent("check", config=agent_config(tmp_path, server))
    assert r.returncode == 1
    assert r.stdout == f"unhealthy: connect refused 127.0.0.1:{server.port}\n"


def test_stopped_redis_is_unhealthy_within_timeout_bound(redis_factory, tmp_path):
    server = redis_factory("local").start()
    server.kill(signal.SIGSTOP)
    try:
        start = time.monotonic()
        r = run_agent("check", config=agent_config(tmp_path, server))
        elapsed = time.monotonic() - start
    finally:
        server.kill(signal.SIGCONT)
    assert r.returncode == 1
    assert r.stdout.startswith("unhealthy: timeout after 300 ms"), r.stdout
    # connect 200 ms + command 300 ms, plus generous slack for process start.
    assert elapsed < 0.5 + 1.5


def test_wrong_password_is_auth_failed(redis_factory, tmp_path):
    server = redis_factory("local", password="right-password").start()
    r = run_agent("check", config=agent_config(tmp_path, server, password="wrong-password"))
    assert r.returncode == 1
    assert r.stdout.startswith("unhealthy: auth failed")
    assert "wrong-password" not in r.stdout + r.stderr


def test_missing_password_is_auth_failed(redis_factory, tmp_path):
    server = redis_factory("local", password="right-password").start()
    r = run_agent("check", config=agent_config(tmp_path, server))
    assert r.returncode == 1
    assert r.stdout.startswith("unhealthy: auth failed: NOAUTH")


def test_requirepass_with_right_password_is_healthy(redis_factory, tmp_path):
    server = redis_factory("local", password="right-password").start()
    r = run_agent("check", config=agent_config(tmp_path, server, password="right-password"))
    assert r.returncode == 0, r.stdout
    assert "right-password" not in r.stdout + r.stderr


def test_acl_user_is_healthy_and_wrong_acl_password_is_not(redis_factory, tmp_path):
    server = redis_factory("local", password="admin-pw", acl_user=("agent", "agent-pw")).start()
    ok = run_agent("check", config=agent_config(tmp_path, server, password="agent-pw",
                                                 user="agent"))
    assert ok.returncode == 0, ok.stdout
    bad = run_agent("check", config=agent_config(tmp_path, server, password="nope",
                                                  user="agent"))
    assert bad.returncode == 1
    assert bad.stdout.startswith("unhealthy: auth failed")
    assert "user agent" in bad.stdout


def test_unix_socket(redis_factory, tmp_path):
    server = redis_factory("local", unix_socket=True).start()
    r = run_agent("check", config=agent_config(tmp_path, server, unix_socket=server.unix_socket))
    assert r.returncode == 0, r.stdout
    server.stop()
    r = run_agent("check", config=agent_config(tmp_path, server, unix_socket=server.unix_socket))
    assert r.returncode == 1
    assert r.stdout == f"unhealthy: connect refused {server.unix_socket}\n"


def test_loading_dataset_is_unhealthy(redis_factory, tmp_path):
    # A large RDB and a throttled load keep the server in LOADING long enough to see it.
    server = redis_factory("local", extra=["key-load-delay 50", "loading-process-events-interval-bytes 1024"])
    server.start()
    c = server.client()
    pipe = c.pipeline(transaction=False)
    for i in range(20000):
        pipe.set(f"key:{i}", "x" * 100)
    pipe.execute()
    c.save()
    server.stop()
    server.start(wait=False)  # PING would answer LOADING
    wait_for("the check to report LOADING",
             lambda: run_agent("check", config=agent_config(tmp_path, server)).stdout
             == "unhealthy: LOADING dataset\n", timeout=10)


def test_config_error_exits_2_before_touching_redis(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("[redis]\nport = 70000\n[peer]\nhost = 192.0.2.12\n")
    r = run_agent("check", config=conf)
    assert r.returncode == 2
    assert f"{conf}:2: [redis] port = 70000: out of range (1 to 65535)" in r.stderr


def test_world_readable_password_file_is_refused(tmp_path):
    pw = write_password_file(tmp_path / "pw", "secret", mode=0o644)
    conf = write_config(tmp_path / "agent.conf",
                        {"redis": {"password_file": pw}, "peer": {"host": "192.0.2.12"}})
    r = run_agent("check", config=conf)
    assert r.returncode == 2
    assert "accessible by others (mode 0644)" in r.stderr
    assert "secret" not in r.stderr + r.stdout


def test_config_test_masks_password(tmp_path):
    pw = write_password_file(tmp_path / "pw", "very-secret-pw")
    conf = write_config(tmp_path / "agent.conf",
                        {"redis": {"password_file": pw}, "peer": {"host": "192.0.2.12"}})
    r = run_agent("config-test", config=conf)
    assert r.returncode == 0, r.stderr
    assert "very-secret-pw" not in r.stdout
    assert "# password = ******** (set)" in r.stdout
    assert "[peer]\nhost = 192.0.2.12" in r.stdout


def test_password_typed_into_the_config_is_not_echoed(tmp_path):
    conf = tmp_path / "agent.conf"
    conf.write_text("[redis]\npassword = hunter2-secret\n[peer]\nhost = 192.0.2.12\n")
    r = run_agent("check", config=conf)
    assert r.returncode == 2
    assert "hunter2-secret" not in r.stderr + r.stdout
    assert "[redis] password = (value hidden): unknown key" in r.stderr
