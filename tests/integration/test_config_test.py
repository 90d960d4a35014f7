"""`config-test` on keepalived configs: the expected VIP move times and the
warnings that say how to make them short."""
from helpers import ROOT, run_agent, write_config

SHIPPED = (ROOT / "conf" / "keepalived-node-a.conf").read_text()


def config_for(tmp_path, keepalived_text, instance="VI_1"):
    ka = tmp_path / "keepalived.conf"
    ka.write_text(keepalived_text)
    return write_config(tmp_path / "agent.conf", {
        "peer": {"host": "192.0.2.12"},
        "keepalived": {"instance": instance, "config": ka}})


def test_shipped_config_reports_fast_moves_and_no_warning(tmp_path):
    r = run_agent("config-test", config=config_for(tmp_path, SHIPPED))
    assert r.returncode == 0, r.stderr
    assert "# instance VI_1: priority 254, advert_int 1 s, VRRPv3" in r.stdout
    assert "0.008 s after a Redis or Valkey fault on the peer" in r.stdout
    assert "3.008 s after the peer host crashes" in r.stdout
    assert "warning" not in r.stdout


def test_customary_low_priorities_warn_with_the_fix(tmp_path):
    slow = SHIPPED.replace("priority 254", "priority 90")
    r = run_agent("config-test", config=config_for(tmp_path, slow))
    assert r.returncode == 0
    assert "0.648 s after a Redis or Valkey fault on the peer" in r.stdout
    assert ("warning: priority 90: skew 0.65 s; raise both priorities above 240 "
            "(e.g. 254 and 250) to cut it to 0.023 s") in r.stdout


def test_subsecond_advert_without_vrrp3_is_whole_seconds(tmp_path):
    v2 = SHIPPED.replace("vrrp_version 3", "").replace("advert_int 1", "advert_int 0.1")
    r = run_agent("config-test", config=config_for(tmp_path, v2))
    assert "warning: advert_int 0.1 needs vrrp_version 3" in r.stdout
    assert "3.008 s after the peer host crashes" in r.stdout


def test_fast_advert_with_vrrp3_reports_subsecond_host_crash(tmp_path):
    fast = SHIPPED.replace("advert_int 1", "advert_int 0.1")
    r = run_agent("config-test", config=config_for(tmp_path, fast))
    assert "0.301 s after the peer host crashes" in r.stdout


def test_missing_track_file_and_notify_scripts_warn(tmp_path):
    text = SHIPPED.replace("notify_fifo /run/redis-vrrp-agent/notify.fifo", "")
    text = text.replace("    track_file {\n        redis_health weight 0\n    }\n",
                        "    notify_master /usr/local/bin/redis-master.sh\n")
    r = run_agent("config-test", config=config_for(tmp_path, text))
    assert "warning: instance VI_1 tracks no track_file" in r.stdout
    assert "warning: instance VI_1 uses notify scripts and no notify_fifo" in r.stdout


def test_fifo_without_states_on_reload_warns_with_the_fix(tmp_path):
    text = SHIPPED.replace("    fifo_write_vrrp_states_on_reload\n", "")
    assert text != SHIPPED
    r = run_agent("config-test", config=config_for(tmp_path, text))
    assert r.returncode == 0
    assert ("warning: no fifo_write_vrrp_states_on_reload in global_defs: after a reload "
            "keepalived writes nothing") in r.stdout
    assert "add it to global_defs; keepalived 2.2.5 or later" in r.stdout


def test_no_matching_instance_is_a_config_error(tmp_path):
    r = run_agent("config-test", config=config_for(tmp_path, SHIPPED, instance="VI_9"))
    assert r.returncode == 2
    assert "no vrrp_instance VI_9 (instances found: VI_1)" in r.stderr


def test_missing_keepalived_config_is_only_noted(tmp_path):
    conf = write_config(tmp_path / "agent.conf", {
        "peer": {"host": "192.0.2.12"}, "keepalived": {"config": tmp_path / "absent.conf"}})
    r = run_agent("config-test", config=conf)
    assert r.returncode == 0
    assert "timing report skipped" in r.stdout
