"""The man pages against the built agent, so that they cannot drift from the code:
every key that config-test prints is in redis-vrrp-agent.conf(5) under its section
with its default, range and choices; every command and option of --help is in
redis-vrrp-agent(8); both pages render without a warning."""
import os
import re
import shutil
import subprocess

import pytest

from helpers import ROOT, run_agent

MAN8 = ROOT / "man" / "redis-vrrp-agent.8"
MAN5 = ROOT / "man" / "redis-vrrp-agent.conf.5"
MINIMAL = "[peer]\nhost = 192.0.2.12\n"
SET_BY_MINIMAL = {("peer", "host")}

# ---- reading man(7) source: just enough for the pages' own conventions ----

# Macros whose arguments are text; the alternating ones join them without spaces.
FONT_MACROS = {"B": " ", "I": " ", "SM": " ", "SB": " ",
               "BR": "", "RB": "", "BI": "", "IB": "", "IR": "", "RI": ""}


def unescape(text):
    text = re.sub(r"\\f(\[[A-Z]*\]|[A-Z])", "", text)
    text = re.sub(r"\\\((bu|em|en)", "-", text)
    return (text.replace("\\-", "-").replace("\\%", "").replace("\\&", "")
            .replace("\\e", "\\"))


def macro_args(rest):
    return [q if q or not bare else bare
            for q, bare in re.findall(r'"((?:[^"]|"")*)"|(\S+)', rest)]


def text_of(line):
    """The words a source line contributes to the rendered page."""
    if not line.startswith((".", "'")):
        return unescape(line)
    name, _, rest = line[1:].partition(" ")
    if name in FONT_MACROS:
        return unescape(FONT_MACROS[name].join(macro_args(rest)))
    return ""


def sections(path):
    """{.SH name: [source lines]}, comments dropped."""
    out, current = {}, None
    for line in path.read_text().splitlines():
        if line.startswith('.\\"'):
            continue
        if line.startswith(".SH "):
            current = " ".join(macro_args(line[4:]))
            out[current] = []
        elif current:
            out[current].append(line)
    return out


def tagged_paragraphs(lines):
    """[(subsection, tag text, body text)] for every .TP entry; subsection is the
    text of the last .SS before it."""
    entries, sub = [], None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(".SS "):
            sub = " ".join(macro_args(line[4:]))
        elif line == ".TP" and i + 1 < len(lines):
            tag = text_of(lines[i + 1])
            body = []
            i += 2
            while i < len(lines) and not lines[i].startswith((".TP", ".SS ", ".SH ")):
                body.append(text_of(lines[i]))
                i += 1
            entries.append((sub, tag, " ".join(w for w in body if w)))
            continue
        i += 1
    return entries


def documented_keys():
    """{(section, key): (default or None, description)} from the .5 page."""
    keys = {}
    for sub, tag, body in tagged_paragraphs(sections(MAN5)["SECTIONS AND KEYS"]):
        section = re.fullmatch(r"\[(\w+)\]", sub or "")
        assert section, f"key entry {tag!r} outside a [section] subsection"
        key, eq, default = tag.partition(" =")
        keys[(section.group(1), key.strip())] = (default.strip() if eq else None, body)
    return keys


# ---- what the agent says ----

def effective_config(tmp_path):
    """[(section, key, value)] as config-test prints them for the minimal config."""
    conf = tmp_path / "agent.conf"
    conf.write_text(MINIMAL)
    r = run_agent("config-test", config=conf)
    assert r.returncode == 0, r.stderr
    out, section = [], None
    for line in r.stdout.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            section = m.group(1)
            continue
        key, eq, value = line.partition("=")
        assert eq and section, f"config-test printed an unexpected line: {line!r}"
        out.append((section, key.strip(), value.strip()))
    assert len(out) > 30, r.stdout
    return out


def config_error(tmp_path, section, key, value):
    """The config error for one key set to value, or '' when it is accepted."""
    conf = tmp_path / "probe.conf"
    conf.write_text(f"{MINIMAL}[{section}]\n{key} = {value}\n")
    r = run_agent("config-test", config=conf, cwd=tmp_path)
    return r.stderr if r.returncode == 2 else ""


def usage_block(text, heading):
    """The lines under `heading:` in --help, up to the next blank line."""
    lines = text.splitlines()
    start = lines.index(heading + ":") + 1
    block = []
    for line in lines[start:]:
        if not line.strip():
            break
        block.append(line)
    return block


def help_text():
    r = run_agent("--help")
    assert r.returncode == 0, r.stderr
    return r.stdout


# ---- (a) the config page ----

def test_every_key_config_test_prints_is_documented_with_its_default(tmp_path):
    documented = documented_keys()
    for section, key, value in effective_config(tmp_path):
        assert (section, key) in documented, \
            f"[{section}] {key} is missing from {MAN5.name} (config-test prints it)"
        default, _ = documented[(section, key)]
        if (section, key) in SET_BY_MINIMAL:
            continue
        assert default == value, (f"[{section}] {key}: {MAN5.name} says {default!r}, "
                                  f"config-test says the default is {value!r}")


def test_the_config_page_documents_no_key_the_agent_does_not_know(tmp_path):
    known = {(s, k) for s, k, _ in effective_config(tmp_path)}
    stale = sorted(set(documented_keys()) - known)
    assert not stale, f"{MAN5.name} documents keys config-test does not print: {stale}"


def test_every_range_and_choice_the_parser_enforces_is_documented(tmp_path):
    """Probe each key with values the parser must refuse; its message gives the range
    (or the choices), which the key's description must state."""
    documented = documented_keys()
    for section, key, value in effective_config(tmp_path):
        _, body = documented[(section, key)]
        err = config_error(tmp_path, section, key, "99999999999999999999")
        m = re.search(r"out of range \((-?\d+) to (-?\d+)\)", err)
        if m:
            assert re.search(rf"(?<![\d-]){m[1]} to {m[2]}\b", body), \
                f"[{section}] {key}: range {m[1]} to {m[2]} missing from {MAN5.name}"
            continue
        err = config_error(tmp_path, section, key, "not-a-choice")
        m = re.search(r"must be one of (.*)", err)
        if m:
            for choice in m[1].split(", "):
                assert re.search(rf"\b{re.escape(choice)}\b", body), \
                    f"[{section}] {key}: choice {choice!r} missing from {MAN5.name}"
        elif "not a boolean" in err:
            assert "boolean" in body, f"[{section}] {key}: {MAN5.name} does not say boolean"


# ---- (b) the command page ----

def test_every_command_of_help_has_an_entry_in_COMMANDS():
    commands = [line.split()[0] for line in usage_block(help_text(), "commands")
                if re.match(r"  \S", line)]
    assert "check" in commands and "version" in commands, commands
    tags = {tag.split()[0] for _, tag, _ in
            tagged_paragraphs(sections(MAN8)["COMMANDS"]) if tag}
    missing = [c for c in commands if c not in tags]
    assert not missing, f"commands of --help without an entry in {MAN8.name} COMMANDS: {missing}"


def test_every_option_of_help_has_an_entry_in_OPTIONS():
    options = []
    for line in usage_block(help_text(), "options"):
        options += re.findall(r"(?<!\S)--?[A-Za-z][\w-]*", line.strip().split("  ")[0])
    assert {"-c", "--config", "--help", "--version"} <= set(options), options
    tags = " ".join(tag for _, tag, _ in tagged_paragraphs(sections(MAN8)["OPTIONS"]))
    documented = set(re.findall(r"(?<!\S)--?[A-Za-z][\w-]*", tags.replace(",", " ")))
    missing = [o for o in options if o not in documented]
    assert not missing, f"options of --help without an entry in {MAN8.name} OPTIONS: {missing}"


@pytest.mark.parametrize("page", [MAN8, MAN5], ids=lambda p: p.name)
def test_page_footer_names_the_version_the_agent_reports(page):
    version = re.fullmatch(r"redis-vrrp-agent (\S+) \(hiredis .*\)\n",
                           run_agent("version").stdout)[1]
    th = next(line for line in page.read_text().splitlines() if line.startswith(".TH "))
    assert f"redis-vrrp-agent {version}" in [unescape(a) for a in macro_args(th[4:])], th


# ---- (c) both pages render cleanly ----

@pytest.mark.parametrize("page", [MAN8, MAN5], ids=lambda p: p.name)
def test_page_renders_without_warnings(page):
    groff = shutil.which("groff")
    assert groff, "groff not found: install groff-base (a test dependency)"
    r = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", str(page)],
                       capture_output=True, text=True, timeout=30,
                       env={**os.environ, "LC_ALL": "C.UTF-8"})
    assert r.returncode == 0 and r.stderr == "", r.stderr
