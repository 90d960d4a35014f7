"""The bash completion: source it in a bash without rc files, set COMP_WORDS and
COMP_CWORD as bash does for a <TAB> at the end of a line, run the function that
`complete` registered, and compare COMPREPLY."""
import re
import shlex
import subprocess

import pytest

from helpers import ROOT, run_agent

COMPLETION = ROOT / "packaging" / "bash-completion" / "redis-vrrp-agent"


def bash(script, cwd=None):
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c",
                        f"source {shlex.quote(str(COMPLETION))}\n{script}"],
                       capture_output=True, text=True, timeout=10, cwd=cwd)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return r.stdout


def completion_function(command):
    spec = bash(f"complete -p {command}")
    m = re.search(r"-F (\S+)", spec)
    assert m, f"{command}: no completion function registered: {spec!r}"
    return m[1]


def complete(*words, command="redis-vrrp-agent", cwd=None):
    """COMPREPLY for a <TAB> after `command words...`; the last word is the one being
    completed ("" for a <TAB> after a space). Words are split as bash splits them:
    "--config=F" is "--config", "=", "F"."""
    words = [command, *words]
    line = " ".join(words)
    script = (f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
              f"COMP_CWORD={len(words) - 1}\n"
              f"COMP_LINE={shlex.quote(line)}; COMP_POINT=${{#COMP_LINE}}\n"
              f"{completion_function(command)} {command} {shlex.quote(words[-1])} "
              f"{shlex.quote(words[-2])}\n"
              'printf "%s\\n" "${COMPREPLY[@]}"')
    return sorted(w for w in bash(script, cwd=cwd).split("\n") if w)


def help_commands():
    r = run_agent("--help")
    lines = r.stdout.splitlines()
    block = lines[lines.index("commands:") + 1:]
    return sorted(line.split()[0] for line in block[:block.index("")] if re.match(r"  \S", line))


def test_both_binaries_are_completed_by_the_same_function():
    assert completion_function("redis-vrrp-agentd") == completion_function("redis-vrrp-agent")


def test_an_empty_command_offers_every_command_of_help():
    assert complete("") == help_commands()


def test_a_command_prefix_completes_to_the_command():
    assert complete("ma") == ["maintenance"]
    assert complete("con") == ["config-test"]


def test_maintenance_offers_on_and_off_then_nothing():
    assert complete("maintenance", "") == ["off", "on"]
    assert complete("maintenance", "on", "") == []


def test_status_offers_json():
    assert complete("status", "--") == ["--json"]
    assert complete("status", "--json", "") == []


def test_options_before_the_command():
    assert complete("--") == ["--config", "--help", "--version"]
    assert complete("-") == ["--config", "--help", "--version", "-V", "-c", "-h"]


@pytest.mark.parametrize("words", [("-c", "ag"), ("--config", "ag"), ("--config", "=", "ag")],
                         ids=["-c", "--config", "--config="])
def test_config_option_completes_file_names(tmp_path, words):
    (tmp_path / "agent.conf").write_text("")
    (tmp_path / "other.conf").write_text("")
    assert complete(*words, cwd=tmp_path) == ["agent.conf"]


def test_config_option_is_skipped_when_finding_the_command(tmp_path):
    assert complete("-c", "agent.conf", "st") == ["status"]
    assert complete("--config", "=", "agent.conf", "maintenance", "") == ["off", "on"]
    assert complete("status", "-c", "agent.conf", "") == ["--json"]


def test_notify_offers_both_forms_then_the_state():
    assert complete("notify", "") == ["GROUP", "INSTANCE", "backup", "fault", "master", "stop"]
    assert complete("notify", "INSTANCE", "") == []      # a name: nothing to guess
    assert complete("notify", "INSTANCE", "VI_1", "") == ["BACKUP", "FAULT", "MASTER", "STOP"]
    assert complete("notify", "GROUP", "G1", "MASTER", "") == []
    assert complete("notify", "master", "") == []


def test_commands_without_arguments_offer_nothing():
    for command in ("check", "run", "config-test", "version", "help"):
        assert complete(command, "") == [], command
