"""make bench: every benchmark, printed. `run.py SECTION...` runs only those
(check, notify, daemon, loop, lab, switchover). Nothing here is a pass/fail test."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import local  # noqa: E402

ALL = ["check", "notify", "daemon", "loop", "lab", "switchover"]

if __name__ == "__main__":
    sections = sys.argv[1:] or ALL
    local.main(sections)
    if "loop" in sections:
        import loop_stall  # noqa: E402
        loop_stall.main()
    if "lab" in sections:
        import failover  # noqa: E402
        failover.main()
    if "switchover" in sections:
        import switchover  # noqa: E402
        switchover.main()
