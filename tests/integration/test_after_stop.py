"""`redis-vrrp-agent after-stop`, the unit's ExecStopPost: it fails the track file
when systemd says the daemon did not stop cleanly, and only then."""
import os
import subprocess

from helpers import AGENT, write_config


def after_stop(tmp_path, service_result):
    track = tmp_path / "track"
    track.write_text("0\n")
    config = write_config(tmp_path / "agent.conf", {
        "peer": {"host": "192.0.2.12"},
        "check": {"track_file": track, "fail_value": 7}})
    env = {k: v for k, v in os.environ.items() if k != "SERVICE_RESULT"}
    if service_result is not None:
        env["SERVICE_RESULT"] = service_result
    r = subprocess.run([str(AGENT), "-c", str(config), "after-stop"], env=env,
                       capture_output=True, text=True, timeout=10)
    return r, track.read_text().strip()


def test_a_clean_stop_leaves_the_track_file_alone(tmp_path):
    r, value = after_stop(tmp_path, "success")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert value == "0"


def test_a_watchdog_kill_or_a_crash_fails_the_track_file(tmp_path):
    for result in ("watchdog", "signal", "exit-code", "core-dump"):
        r, value = after_stop(tmp_path, result)
        assert r.returncode == 0, r.stderr
        assert value == "7", (result, value)
        assert f"result '{result}'" in r.stderr and "= 7" in r.stderr


def test_without_systemd_it_refuses_and_touches_nothing(tmp_path):
    r, value = after_stop(tmp_path, None)
    assert r.returncode == 2
    assert "SERVICE_RESULT is not set" in r.stderr
    assert value == "0"
