"""No secret in any output: every password the suite hands out is remembered, and at
the end of the session every file the suite left behind (daemon logs, state logs,
status and metrics output, keepalived's and the lab's logs, the transcript of every
CLI run and control reply) is searched for each of them.

The places a password must be are skipped: the password files themselves and the
Redis server's own config (requirepass). Passwords shorter than 8 characters are not
searched for (they would match ordinary words); the suite's are longer."""
import os
from pathlib import Path

MIN_SECRET_LENGTH = 8
MAX_FILE_BYTES = 64 << 20
# Files that hold a secret by design.
SECRET_HOLDERS = {"redis.conf", "redis.pw"}

secrets = set()
secret_files = set()


def remember(password, path=None):
    if password and len(password) >= MIN_SECRET_LENGTH:
        secrets.add(password)
    if path is not None:
        secret_files.add(Path(path).resolve())


def transcript_path():
    """Where CLI runs and control replies are recorded: the session's lab directory."""
    lab_dir = os.environ.get("RVA_LAB_DIR")
    return Path(lab_dir) / "outputs.log" if lab_dir else None


def record(what, text):
    path = transcript_path()
    if path and text:
        with open(path, "a") as out:
            out.write(f"---- {what}\n{text}\n")


def scan(roots, passwords=None):
    """[(file, password)] for every secret found outside its holders under roots."""
    passwords = [p.encode() for p in (passwords if passwords is not None else secrets)]
    found = []
    for root in roots:
        for dirpath, _, files in os.walk(root):
            for name in files:
                path = Path(dirpath) / name
                if name in SECRET_HOLDERS or path.resolve() in secret_files:
                    continue
                try:
                    if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                        continue  # FIFOs, sockets, and datasets
                    data = path.read_bytes()
                except OSError:
                    continue
                found += [(path, p.decode()) for p in passwords if p in data]
    return found
