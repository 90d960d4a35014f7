"""Health fails closed (weight 0 reverse, healthy_value 1): a master whose track file
disappears is taken for a fault at once, and the agent writes the file again at its
next check. Nothing acknowledged is lost on the way."""
import time

import lablib
from lablib import wait_for
from lab_harness import HANG_GUARD_S, settled_on, show_logs, start_writing, stop_writer


def test_deleted_track_file_on_the_master_faults_then_is_restored(lab):
    master = lab.master()
    monitor = lablib.StateMonitor(lab).start()
    writer, out = start_writing(lab, master)

    deleted = time.monotonic()
    master.track_file.unlink()
    wait_for(f"the agent on {master.name} to write its track file again",
             lambda: master.track_value() == lablib.HEALTHY_TRACK_VALUE, HANG_GUARD_S, log=print)
    wait_for(f"the pair to settle on {master.name} again", lambda: settled_on(lab, master),
             HANG_GUARD_S, log=print)
    monitor.stop()
    log = (master.dir / "agent.log").read_text(errors="replace")
    assert "was removed or changed behind the agent's back" in log
    # keepalived read the missing file as 0, a fault: the peer took the VIP meanwhile.
    moved = monitor.first("vip", master.peer, after=deleted)
    print(f"VIP on the peer {((moved or deleted) - deleted) * 1000:.0f} ms after the deletion"
          if moved else "the VIP never moved")
    assert moved is not None, "a missing track file did not fail closed"
    report = stop_writer(lab, writer, out)
    assert report["missing"] == 0, (f"{report['missing']} acknowledged writes lost\n"
                                    + show_logs(lab, "a", "b"))
