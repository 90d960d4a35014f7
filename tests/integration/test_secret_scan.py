"""The suite's secret scan (secret_scan.py, run at the end of every session) can fail:
it finds a password planted in a log, and skips the files that hold it by design."""
import secret_scan


def test_the_scan_finds_a_password_in_a_log_but_not_in_its_own_file(tmp_path):
    password = "planted-pw-0123"
    (tmp_path / "daemon.stderr").write_text(f"info: AUTH {password}\n")
    (tmp_path / "redis.pw").write_text(password + "\n")
    (tmp_path / "own.pw").write_text(password + "\n")
    secret_scan.remember(password, tmp_path / "own.pw")
    found = secret_scan.scan([tmp_path], passwords=[password])
    assert found == [(tmp_path / "daemon.stderr", password)]
    secret_scan.secrets.discard(password)  # planted here on purpose; not the suite's
