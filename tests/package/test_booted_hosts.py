"""The packaged agent on two hosts booted under real systemd (see conftest.py): what
only systemd can show, a failover across the hosts under write load, an upgrade
and a purge. The tests run in file order and share the pair: the upgrade follows
the systemd checks, and the purge comes last."""
import json
import signal
import subprocess
import time

import lablib
from lablib import wait_for

UNIT = "redis-vrrp-agent"


def monotonic_us(entry):
    return int(entry["__MONOTONIC_TIMESTAMP"])


def start_writer(pair, tmp_path, duration=240):
    password_file = tmp_path / "redis.pw"
    password_file.write_text(pair.password + "\n")
    password_file.chmod(0o600)
    report_path = tmp_path / "writer.json"
    proc = subprocess.Popen(
        ["ip", "netns", "exec", "rvp-c", "/usr/bin/python3", str(lablib.WRITER), "--host",
         lablib.VIP, "--password-file", str(password_file), "--out", str(report_path),
         "--duration", str(duration)])
    return proc, report_path


def stop_writer(proc, report_path):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    report = json.loads(report_path.read_text())
    gaps = sorted((e - s for s, e in report["gaps"]), reverse=True)[:3]
    print(f"{report['acknowledged']} acknowledged, {report['missing']} missing; "
          f"longest outages {[round(g * 1000) for g in gaps]} ms")
    return report


def test_fresh_install_waits_for_a_config_instead_of_failing(pair):
    for name, state in pair.fresh_install.items():
        assert state["UnitFileState"] == "enabled", (name, state)
        assert state["ActiveState"] == "inactive" and state["Result"] == "success", (name, state)
        assert state["ConditionResult"] == "no", (name, state)
        assert "write /etc/redis-vrrp-agent/agent.conf" in state["apt"], state["apt"]


def test_agent_is_active_after_boot_and_starts_before_keepalived(pair):
    host = pair.hosts["b"]
    host.reboot()
    assert host.run("systemctl", "is-active", UNIT).stdout.strip() == "active"
    agent = host.show(UNIT, "ActiveEnterTimestampMonotonic")
    keepalived = host.show("keepalived", "ExecMainStartTimestampMonotonic")
    assert 0 < int(agent["ActiveEnterTimestampMonotonic"]) \
        < int(keepalived["ExecMainStartTimestampMonotonic"]), (agent, keepalived)
    # The backup host's reboot leaves the VIP where it was (a is the preferred master).
    wait_for("the pair to settle with a still master", lambda: pair.settled() == "a", 60,
             interval=0.05, log=print)


def test_ready_only_after_the_first_check_and_status_text_says_the_health(pair):
    host = pair.hosts["b"]
    host.run("systemctl", "restart", UNIT)
    since = host.show(UNIT, "ExecMainStartTimestampMonotonic")["ExecMainStartTimestampMonotonic"]
    entries = [e for e in host.journal("-b", "-u", f"{UNIT}.service")
               if monotonic_us(e) >= int(since)]
    first_check = next(e for e in entries if e.get("SYSLOG_IDENTIFIER") == UNIT
                       and "track file" in e["MESSAGE"])
    started = next(e for e in entries if e.get("MESSAGE_ID") == "39f53479d3a045ac8e11786248231fbf")
    assert monotonic_us(first_check) < monotonic_us(started), (first_check, started)
    status = host.show(UNIT, "StatusText", "NRestarts")
    assert "role=replica healthy" in status["StatusText"], status
    print(f"StatusText: {status['StatusText']}")


def test_journal_entries_carry_structured_fields(pair):
    entries = [e for e in pair.hosts["a"].journal("-b", "-u", f"{UNIT}.service")
               if e.get("SYSLOG_IDENTIFIER") == UNIT]
    assert entries
    for e in entries:
        assert {"MESSAGE", "PRIORITY", "RVA_TRANSITION_ID", "_PID", "_SYSTEMD_UNIT"} <= e.keys(), e
    assert any(e["RVA_TRANSITION_ID"] for e in entries), "no line names its transition"


def test_watchdog_restarts_a_hung_agent_and_the_track_file_fails_closed_meanwhile(pair):
    host = pair.hosts["b"]
    before = host.show(UNIT, "MainPID", "NRestarts")
    track = host.path("/run/redis-vrrp-agent/track")
    healthy, failed = str(lablib.HEALTHY_TRACK_VALUE), str(lablib.FAIL_TRACK_VALUE)
    assert track.read_text().strip() == healthy
    host.run("kill", "-STOP", before["MainPID"])
    stopped = time.monotonic()
    seen = set()

    def restarted():
        seen.add(track.read_text().strip())
        now = host.show(UNIT, "MainPID", "NRestarts", "ActiveState")
        return (now["ActiveState"] == "active" and now["MainPID"] not in ("0", before["MainPID"])
                and int(now["NRestarts"]) == int(before["NRestarts"]) + 1)
    wait_for("systemd's watchdog to kill and restart the stopped agent", restarted, 30,
             interval=0.01)
    print(f"restarted {time.monotonic() - stopped:.1f} s after SIGSTOP; track values seen: {seen}")
    assert failed in seen, f"the track file never failed closed: {seen}"
    watchdog = [e for e in host.journal("-b", "-u", f"{UNIT}.service")
                if "Watchdog timeout" in e.get("MESSAGE", "")]
    assert watchdog, "no 'Watchdog timeout' in the journal"
    wait_for("the track file to be healthy again", lambda: track.read_text().strip() == healthy,
             10)
    pair.wait_settled()


def exposure(host, unit):
    r = host.run("systemd-analyze", "security", "--no-pager", unit, check=False)
    line = next(l for l in r.stdout.splitlines() if "Overall exposure level" in l)
    print(f"{unit}: {line}")
    return float(line.split(":")[1].split()[0])


def test_security_exposure_is_below_2_5(pair):
    assert exposure(pair.hosts["a"], f"{UNIT}.service") < 2.5


ASK_WITNESS = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(f"rva-witness 1 probe {sys.argv[2]} {sys.argv[3]} n1".encode(), (sys.argv[1], 7480))
print(s.recv(512).decode())
"""


def ask_witness(witness_addr, host, port):
    """A node's question, from the client host: the witness's answer."""
    r = subprocess.run(["ip", "netns", "exec", "rvp-c", "/usr/bin/python3", "-c", ASK_WITNESS,
                        witness_addr, host, str(port)], capture_output=True, text=True,
                       timeout=10, check=True)
    return r.stdout.split()


def test_witness_unit_is_off_until_configured_then_answers_for_the_pair(pair):
    host = pair.hosts["b"]
    witness = "redis-vrrp-agent-witness"
    state = host.show(witness, "UnitFileState", "ActiveState")
    assert state == {"UnitFileState": "disabled", "ActiveState": "inactive"}, state
    # The two nodes' Redis, and a port on the client host where nothing listens.
    nothing_there = (lablib.CLIENT_ADDR, 6390)
    host.write("/etc/redis-vrrp-agent/witness.env",
               f'WITNESS_ARGS="--node {lablib.NODES["a"]}:6379 --node {lablib.NODES["b"]}:6379 '
               f'--node {nothing_there[0]}:{nothing_there[1]}"\n', 0o644)
    try:
        host.run("systemctl", "start", witness)  # Type=notify: returns once it is READY
        assert host.show(witness, "ActiveState")["ActiveState"] == "active"
        words = ask_witness(lablib.NODES["b"], lablib.NODES["a"], 6379)
        assert words[:4] == ["rva-witness", "1", "n1", "alive"], words
        words = ask_witness(lablib.NODES["b"], *nothing_there)
        assert words[:5] == ["rva-witness", "1", "n1", "gone", "refused"], words
        assert exposure(host, f"{witness}.service") < 2.5
    finally:
        host.run("systemctl", "stop", witness)
        host.run("rm", "-f", "/etc/redis-vrrp-agent/witness.env")


def test_the_agent_runs_as_its_own_user_with_no_capability(pair):
    host = pair.hosts["a"]
    pid = host.show(UNIT, "MainPID")["MainPID"]
    status = dict(line.split(":\t", 1) for line in
                  host.path(f"/proc/{pid}/status").read_text().splitlines() if ":\t" in line)
    uid = host.run("id", "-u", "redis-vrrp-agent").stdout.strip()
    assert status["Uid"].split()[:2] == [uid, uid], status["Uid"]
    for kind in ("CapEff", "CapPrm", "CapBnd", "CapAmb"):
        assert int(status[kind].strip(), 16) == 0, (kind, status[kind])
    # The group that reads dump.rdb for snapshots, added because redis-server is here.
    assert "redis" in host.run("id", "-nG", "redis-vrrp-agent").stdout.split()
    assert host.path("/run/redis-vrrp-agent/track").stat().st_uid == int(uid)


def test_reload_rereads_the_config(pair):
    host = pair.hosts["a"]
    conf = host.path("/etc/redis-vrrp-agent/agent.conf")
    original = conf.read_text()
    state_log = host.path("/var/log/redis-vrrp-agent/state.log")
    assert not state_log.exists()
    pid = host.show(UNIT, "MainPID")["MainPID"]
    conf.write_text(original.replace("state_log =\n", "state_log = /var/log/redis-vrrp-agent/state.log\n"))
    host.run("systemctl", "reload", UNIT)
    wait_for("the reloaded config's state log to name the reload",
             lambda: state_log.exists() and "configuration reloaded" in state_log.read_text(), 10)
    assert host.show(UNIT, "MainPID")["MainPID"] == pid, "reload restarted the daemon"


def test_failover_across_booted_hosts_loses_no_acknowledged_write(pair, tmp_path):
    assert pair.wait_settled() == "a"
    a, b = pair.hosts["a"], pair.hosts["b"]
    writer, report_path = start_writer(pair, tmp_path)
    try:
        wait_for("writes to reach both hosts",
                 lambda: a.redis(pair.password).dbsize() > 1000
                 and b.redis(pair.password).dbsize() > 500, 30)
        # kill -9 of the master's Redis; the distribution's unit restarts it.
        a.run("kill", "-9", a.show("redis-server", "MainPID")["MainPID"])
        wait_for("b to hold the VIP as master",
                 lambda: b.holds_vip() and b.role(pair.password) == "master", 60, log=print)
        base = b.redis(pair.password).dbsize()
        wait_for("writes to land on b", lambda: b.redis(pair.password).dbsize() > base + 500, 30)
        # Then the old master's host reboots, and takes the VIP back once refilled.
        a.reboot()
        assert wait_for("the pair to settle with the VIP back on a", lambda: pair.settled() == "a",
                        120, interval=0.1, log=print)
        base = a.redis(pair.password).dbsize()
        wait_for("writes to land on a", lambda: a.redis(pair.password).dbsize() > base + 500, 30)
    finally:
        report = stop_writer(writer, report_path)
    assert report["acknowledged"] > 2000
    assert report["missing"] == 0, report["missing_keys"]


def test_a_killed_agent_on_the_master_fails_closed_and_then_its_redis_dies(pair, tmp_path):
    """kill -9 of the master's agent: systemd runs after-stop, which fails the track
    file, so keepalived hands the VIP over at once instead of trusting a dead agent's
    last "healthy". Then the master's Redis dies too: nothing acknowledged is lost."""
    assert pair.wait_settled() == "a"
    a, b = pair.hosts["a"], pair.hosts["b"]
    writer, report_path = start_writer(pair, tmp_path)
    try:
        wait_for("writes to reach both hosts", lambda: a.redis(pair.password).dbsize() > 1000
                 and b.redis(pair.password).dbsize() > 500, 30)
        killed = time.monotonic()
        a.run("kill", "-9", a.show(UNIT, "MainPID")["MainPID"])
        wait_for("b to hold the VIP", b.holds_vip, 30, interval=0.005)
        print(f"VIP on b {(time.monotonic() - killed) * 1000:.0f} ms after kill -9 of a's agent")
        a.run("kill", "-9", a.show("redis-server", "MainPID")["MainPID"])
        wait_for("the pair to settle again", pair.settled, 120, interval=0.1, log=print)
        base = b.redis(pair.password).dbsize() if b.holds_vip() else a.redis(pair.password).dbsize()
        holder = b if b.holds_vip() else a
        wait_for("writes to land on the VIP's holder",
                 lambda: holder.redis(pair.password).dbsize() > base + 500, 30)
    finally:
        report = stop_writer(writer, report_path)
    assert report["missing"] == 0, report["missing_keys"]
    pair.wait_settled()


def test_upgrade_keeps_the_changed_config_and_restarts_the_agent(pair, deb):
    host = pair.hosts["b"]
    conf = host.path("/etc/redis-vrrp-agent/agent.conf")
    logrotate = host.path("/etc/logrotate.d/redis-vrrp-agent")
    conf.write_text(conf.read_text() + "\n# changed by the operator\n")
    logrotate.write_text(logrotate.read_text().replace("rotate 8", "rotate 30"))
    configs = conf.read_text(), logrotate.read_text()
    pid = host.show(UNIT, "MainPID")["MainPID"]
    print(host.apt_install(deb).strip().splitlines()[-1])
    assert (conf.read_text(), logrotate.read_text()) == configs
    version = host.run("dpkg-query", "-W", "-f=${Version}", UNIT).stdout
    assert version == deb.name.split("_")[1], version
    def upgraded_agent_runs():
        now = host.show(UNIT, "ActiveState", "MainPID")
        return now["ActiveState"] == "active" and now["MainPID"] not in ("0", pid)
    wait_for("the upgraded agent to run", upgraded_agent_runs, 30)
    pair.wait_settled()


def test_purge_removes_everything_but_the_operators_own_files(pair):
    host = pair.hosts["b"]
    listed = host.run("dpkg-query", "-L", UNIT).stdout.split()
    host.run("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "purge", "-y", UNIT)
    left = [p for p in listed if host.path(p).exists() and not host.path(p).is_dir()]
    assert left == [], left
    for gone in ("/var/log/redis-vrrp-agent", "/run/redis-vrrp-agent", "/var/lib/redis-vrrp-agent",
                 "/etc/logrotate.d/redis-vrrp-agent"):
        assert not host.path(gone).exists(), gone
    # What the operator wrote stays, as dpkg leaves files it does not own.
    assert host.path("/etc/redis-vrrp-agent/agent.conf").exists()
    assert host.run("systemctl", "is-active", UNIT, check=False).stdout.strip() == "inactive"
