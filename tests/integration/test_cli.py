"""The command line both binaries share (main.c is built into each): --version and
-V work like `version`, --help and -h like `help`, as other daemons spell them."""
import re
import subprocess

import pytest

from helpers import AGENT

BINARIES = [AGENT, AGENT.parent / "redis-vrrp-agentd"]  # the build under test (RVA_BUILD)
VERSION_LINE = r"redis-vrrp-agent \d+\.\d+\.\d+ \(hiredis \d+\.\d+\.\d+\)\n"


def run(binary, *args):
    return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=10)


@pytest.fixture(params=BINARIES, ids=lambda p: p.name)
def binary(request):
    return request.param


@pytest.mark.parametrize("spelling", ["--version", "-V", "version"])
def test_version_spellings_print_the_version_and_exit_0(binary, spelling):
    r = run(binary, spelling)
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(VERSION_LINE, r.stdout), r.stdout
    assert r.stderr == ""


def test_version_reads_no_config(binary, tmp_path):
    r = run(binary, "-c", tmp_path / "missing.conf", "--version")
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(VERSION_LINE, r.stdout), r.stdout


@pytest.mark.parametrize("spelling", ["--help", "-h", "help"])
def test_help_spellings_print_usage_on_stdout_and_exit_0(binary, spelling):
    r = run(binary, spelling)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: redis-vrrp-agent "), r.stdout
    assert r.stderr == ""


def test_help_lists_help_and_version_under_options(binary):
    options = run(binary, "--help").stdout.split("\noptions:\n", 1)[1]
    assert re.search(r"^  -h, --help ", options, re.M), options
    assert re.search(r"^  -V, --version ", options, re.M), options
    assert re.search(r"^  -c, --config FILE ", options, re.M), options


def test_no_command_prints_usage_on_stderr_and_exits_2(binary):
    r = run(binary)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.startswith("usage: redis-vrrp-agent "), r.stderr


def test_unknown_command_exits_2_and_points_to_help(binary):
    r = run(binary, "--verison")
    assert r.returncode == 2
    assert "unknown command '--verison' (try --help)" in r.stderr
