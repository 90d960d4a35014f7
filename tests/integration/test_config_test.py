"""`config-test` on keepalived configs: the expected VIP move times and the
warnings that say how to make them short."""
import os
import subprocess

from helpers import AGENT, ROOT, run_agent, write_config

SHIPPED = (ROOT / "conf" / "keepalived-node-a.conf").read_text()


FIFO = "/run/redis-vrrp-agent/notify.fifo"


def config_for(tmp_path, keepalived_text, instance="VI_1", fifo=FIFO, track=None,
               healthy_value=1):
    """An agent.conf like the shipped example (fail closed: healthy 1, failed 0),
    pointing at this keepalived.conf."""
    ka = tmp_path / "keepalived.conf"
    ka.write_text(keepalived_text)
    check = {"healthy_value": healthy_value, "fail_value": 0 if healthy_value else 1}
    if track:
        check["track_file"] = track
    return write_config(tmp_path / "agent.conf", {
        "peer": {"host": "192.0.2.12"}, "check": check,
        "keepalived": {"instance": instance, "config": ka, "notify_fifo": fifo}})


def config_test(tmp_path, keepalived_text, **agent_conf):
    """config-test on an agent.conf from config_for()."""
    return run_agent("config-test", config=config_for(tmp_path, keepalived_text, **agent_conf))


def line_of(text, needle):
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_shipped_config_reports_fast_moves_and_no_warning(tmp_path):
    r = config_test(tmp_path, SHIPPED)
    assert r.returncode == 0, r.stderr
    assert "# instance VI_1: priority 254, advert_int 1 s, VRRPv3" in r.stdout
    assert "0.008 s after a Redis or Valkey fault on the peer" in r.stdout
    assert "3.008 s after the peer host crashes" in r.stdout
    assert "warning" not in r.stdout


def test_customary_low_priorities_warn_with_the_fix(tmp_path):
    slow = SHIPPED.replace("priority 254", "priority 90")
    r = config_test(tmp_path, slow)
    assert r.returncode == 0
    assert "0.648 s after a Redis or Valkey fault on the peer" in r.stdout
    assert (": priority 90: skew 0.65 s; raise both priorities above 240 "
            "(e.g. 254 and 250) to cut it to 0.023 s") in r.stdout


def test_subsecond_advert_without_vrrp3_is_whole_seconds(tmp_path):
    v2 = SHIPPED.replace("vrrp_version 3", "").replace("advert_int 1", "advert_int 0.1")
    r = config_test(tmp_path, v2)
    assert ": advert_int 0.1 needs vrrp_version 3" in r.stdout
    assert "3.008 s after the peer host crashes" in r.stdout


def test_fast_advert_with_vrrp3_reports_subsecond_host_crash(tmp_path):
    fast = SHIPPED.replace("advert_int 1", "advert_int 0.1")
    r = config_test(tmp_path, fast)
    assert "0.301 s after the peer host crashes" in r.stdout


def test_missing_track_file_and_notify_scripts_warn(tmp_path):
    text = SHIPPED.replace("notify_fifo /run/redis-vrrp-agent/notify.fifo", "")
    text = text.replace("    track_file {\n        redis_health weight 0 reverse\n"
                        "        redis_preference weight -5\n    }\n",
                        "    notify_master /usr/local/bin/redis-master.sh\n")
    r = config_test(tmp_path, text)
    assert ": instance VI_1 tracks no track_file" in r.stdout
    assert ": instance VI_1 uses notify scripts and no notify_fifo" in r.stdout


def test_fifo_without_states_on_reload_warns_with_the_fix(tmp_path):
    text = SHIPPED.replace("    fifo_write_vrrp_states_on_reload\n", "")
    assert text != SHIPPED
    r = config_test(tmp_path, text)
    assert r.returncode == 0
    assert (": no fifo_write_vrrp_states_on_reload in global_defs: after a reload "
            "keepalived writes nothing") in r.stdout
    assert "add it to global_defs; keepalived 2.2.5 or later" in r.stdout


def test_no_matching_instance_is_a_config_error(tmp_path):
    r = config_test(tmp_path, SHIPPED, instance="VI_9")
    assert r.returncode == 2
    assert "no vrrp_instance VI_9 (instances found: VI_1)" in r.stderr


def test_missing_keepalived_config_is_only_noted(tmp_path):
    conf = write_config(tmp_path / "agent.conf", {
        "peer": {"host": "192.0.2.12"}, "keepalived": {"config": tmp_path / "absent.conf"}})
    r = run_agent("config-test", config=conf)
    assert r.returncode == 0
    assert "timing report skipped" in r.stdout


def test_track_file_path_that_differs_from_the_agents_warns_with_file_and_line(tmp_path):
    config = config_for(tmp_path, SHIPPED, track="/run/elsewhere/track")
    r = run_agent("config-test", config=config)
    line = line_of(SHIPPED, "redis_health weight 0")
    assert r.returncode == 0
    assert (f"warning: {tmp_path / 'keepalived.conf'}:{line}: instance VI_1 tracks "
            "/run/redis-vrrp-agent/track, but the agent writes /run/elsewhere/track") in r.stdout
    assert "(make them the same)" in r.stdout


def test_tracked_name_without_its_block_warns(tmp_path):
    text = SHIPPED.replace("track_file redis_health {", "track_file other_name {")
    r = config_test(tmp_path, text)
    assert ("tracks 'redis_health', but no top-level track_file redis_health { file "
            "/run/redis-vrrp-agent/track } defines it") in r.stdout


def test_nonzero_weight_and_a_reverse_that_does_not_match_the_values_warn(tmp_path):
    weighted = SHIPPED.replace("redis_health weight 0 reverse", "redis_health weight -60")
    r = config_test(tmp_path, weighted)
    assert "tracks redis_health with weight -60: a failure only lowers the priority" in r.stdout
    # reverse with the code's defaults (0 healthy): keepalived would see a fault.
    r = config_test(tmp_path, SHIPPED, healthy_value=0)
    assert ("with weight 0 reverse, but the agent writes 0 when healthy: keepalived takes that "
            "for a fault (set [check] healthy_value = 1 and fail_value = 0") in r.stdout
    plain = SHIPPED.replace("redis_health weight 0 reverse", "redis_health weight 0")
    r = config_test(tmp_path, plain)
    assert "with weight 0, but the agent writes 1 when healthy" in r.stdout
    r = config_test(tmp_path, plain, healthy_value=0)
    assert "warning" not in r.stdout


def test_fifo_paths_that_differ_warn_with_file_and_line(tmp_path):
    line = line_of(SHIPPED, "notify_fifo /run")
    r = config_test(tmp_path, SHIPPED, fifo="/run/other.fifo")
    assert (f"warning: {tmp_path / 'keepalived.conf'}:{line}: keepalived writes state changes "
            f"to {FIFO}, but the agent reads /run/other.fifo") in r.stdout
    r = config_test(tmp_path, SHIPPED, fifo="")
    assert f"but [keepalived] notify_fifo is empty: nobody reads them (set it to {FIFO})" in r.stdout


def test_preemption_and_startup_delay_are_reported_with_their_effect(tmp_path):
    text = SHIPPED.replace("    priority 254\n", "    priority 254\n    preempt_delay 30\n")
    text = text.replace("    vrrp_version 3\n", "    vrrp_version 3\n    vrrp_startup_delay 5\n")
    r = config_test(tmp_path, text)
    assert "note: preempt_delay 30 s: a failback to this node waits that long" in r.stdout
    assert "note: vrrp_startup_delay 5 s" in r.stdout
    r = config_test(
        tmp_path, SHIPPED.replace("    priority 254\n", "    priority 254\n    nopreempt\n"))
    assert "note: nopreempt: this node never takes the VIP back" in r.stdout


def test_instance_version_overrides_global_defs(tmp_path):
    text = SHIPPED.replace("    priority 254\n", "    priority 254\n    version 2\n")
    text = text.replace("advert_int 1", "advert_int 0.5")
    r = config_test(tmp_path, text)
    assert "advert_int 0.5 s, VRRPv2" in r.stdout
    assert ": advert_int 0.5 needs vrrp_version 3" in r.stdout


def test_pre_2_1_track_keyword_warns_with_the_fix(tmp_path):
    text = SHIPPED.replace("track_file redis_health {", "vrrp_track_file redis_health {")
    r = config_test(tmp_path, text)
    assert ": vrrp_track_file is the keyword of keepalived before 2.1" in r.stdout


def test_includes_are_followed_and_warnings_name_the_included_file(tmp_path):
    """The instance in an included file, found through a relative glob; its track
    file differs from the agent's: the warning names that file and its line."""
    head, instance = SHIPPED.split("vrrp_instance VI_1 {")
    (tmp_path / "conf.d").mkdir()
    included = tmp_path / "conf.d" / "vi_1.conf"
    included.write_text("# the pair's instance\nvrrp_instance VI_1 {" + instance)
    main_text = head + "include conf.d/*.conf\ninclude missing.d/*.conf\n"
    config = config_for(tmp_path, main_text, track="/run/elsewhere/track")
    r = run_agent("config-test", config=config)
    assert r.returncode == 0, r.stderr
    assert "# instance VI_1: priority 254, advert_int 1 s, VRRPv3" in r.stdout
    line = line_of(included.read_text(), "redis_health weight 0")
    assert f"warning: {included}:{line}: instance VI_1 tracks /run/redis-vrrp-agent/track" in r.stdout
    # The FIFO line is in the main file: its warning names that one.
    r = config_test(tmp_path, main_text, fifo="/run/o.fifo")
    assert f"warning: {tmp_path / 'keepalived.conf'}:{line_of(main_text, 'notify_fifo /run')}:" in r.stdout


def test_an_include_loop_is_a_config_error_naming_the_file(tmp_path):
    loop = tmp_path / "keepalived.conf"
    r = config_test(tmp_path, SHIPPED + f"include {loop}\n")
    assert r.returncode == 2
    assert "includes nested more than 8 deep (a loop?)" in r.stderr


def test_scripts_run_as_another_user_warn_with_the_fix(tmp_path):
    text = SHIPPED.replace("script_user root", "script_user nobody")
    text = text.replace("    track_file {\n", "    notify /usr/sbin/redis-vrrp-agent\n    track_file {\n", 1)
    r = config_test(tmp_path, text)
    assert (": instance VI_1 runs scripts as nobody: as any user but root, `check` and "
            "`notify` cannot read a 0600 agent.conf") in r.stdout
    secure = text.replace("script_user nobody", "enable_script_security")
    r = config_test(tmp_path, secure)
    assert "runs scripts as keepalived_script (enable_script_security)" in r.stdout
    # The shipped config runs any script as root: no warning.
    rooted = SHIPPED.replace("    track_file {\n", "    notify /usr/sbin/redis-vrrp-agent\n    track_file {\n", 1)
    r = config_test(tmp_path, rooted)
    assert "runs scripts as" not in r.stdout and "no script_user" not in r.stdout


def test_check_refused_a_root_only_file_names_the_user_and_the_fix(tmp_path):
    config = write_config(tmp_path / "agent.conf", {"peer": {"host": "192.0.2.12"}})
    config.chmod(0o600)
    tmp_path.chmod(0o755)
    r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                        str(AGENT), "-c", str(config), "check"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2
    assert f"{config}: cannot open config: Permission denied" in r.stderr
    assert "running as user nobody" in r.stderr and "script_user root" in r.stderr


def test_instance_warnings_name_keepalived_file_and_the_instance_line(tmp_path):
    slow = SHIPPED.replace("priority 254", "priority 90")
    r = config_test(tmp_path, slow)
    line = line_of(slow, "vrrp_instance VI_1")
    assert f"# warning: {tmp_path / 'keepalived.conf'}:{line}: priority 90: skew 0.65 s" in r.stdout
    no_reload = SHIPPED.replace("    fifo_write_vrrp_states_on_reload\n", "")
    r = config_test(tmp_path, no_reload)
    line = line_of(no_reload, "global_defs")
    assert (f"# warning: {tmp_path / 'keepalived.conf'}:{line}: no "
            "fifo_write_vrrp_states_on_reload") in r.stdout


def test_an_include_that_matches_a_fifo_is_refused_without_blocking(tmp_path):
    (tmp_path / "conf.d").mkdir()
    os.mkfifo(tmp_path / "conf.d" / "notify.fifo")
    r = config_test(tmp_path, SHIPPED + "include conf.d/*\n")
    assert r.returncode == 2
    assert f"{tmp_path / 'conf.d' / 'notify.fifo'}: not a regular file" in r.stderr
