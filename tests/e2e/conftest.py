"""End-to-end fault tests on the two-host lab (scripts/lablib.py): real keepalived,
redis-server and redis-vrrp-agent in network namespaces, a client writing through
the VIP. The lab gets its own namespace prefix and directory, so these tests never
clash with a demo or a benchmark running at the same time."""
import os
import shutil
from pathlib import Path

import pytest

import lablib  # noqa: E402  (tests/conftest.py set its prefix and directory)
import server_kind  # noqa: E402

LAB_ROOT = Path(os.environ["RVA_LAB_DIR"])

HERE = Path(__file__).resolve().parent


def skip_reason():
    """Why the lab cannot run here, or None."""
    if lablib.PREFIX != "rvt":
        return (f"lablib was imported before tests/conftest.py set the namespace prefix "
                f"(it uses '{lablib.PREFIX}')")
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces)"
    missing = [tool for tool in ("ip", "keepalived", server_kind.SERVER) if not shutil.which(tool)]
    if missing:
        return f"the lab needs {', '.join(missing)} on PATH"
    if not lablib.AGENT.exists():
        return f"{lablib.AGENT} is missing: run make first"
    return None


def pytest_collection_modifyitems(config, items):
    reason = skip_reason()
    if not reason:
        return
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.skip(reason=f"e2e lab: {reason}"))


def pytest_sessionfinish(session, exitstatus):
    # Keep the lab directories (logs, state logs, snapshots) when something failed,
    # the secret scan included (tests/conftest.py sets the status before this runs).
    if session.exitstatus == 0:
        shutil.rmtree(LAB_ROOT, ignore_errors=True)
    else:
        print(f"\ne2e lab directories kept for inspection: {LAB_ROOT}")


@pytest.fixture
def lab(request):
    """A settled lab (VIP on a master, the peer its replica), its own directory per
    test; always torn down, even when bring-up fails half-way."""
    # Short: Redis's unix socket path inside it must fit in sun_path (108 bytes).
    short_name = "_".join(request.node.name.split("_")[1:4])
    the_lab = lablib.Lab(directory=LAB_ROOT / short_name, log=print)
    try:
        the_lab.up()
        yield the_lab
    finally:
        the_lab.down()
