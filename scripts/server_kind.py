"""Which server the lab, the tests and the benchmarks run: Redis (the default) or
Valkey, chosen with SERVER=redis or SERVER=valkey in the environment (make passes
it through). The agent itself needs no such switch: it speaks the protocol both
share. Imported by lablib, the test helpers and the baselines."""
import os

KINDS = ("redis", "valkey")
KIND = os.environ.get("SERVER", "redis") or "redis"
if KIND not in KINDS:
    raise SystemExit(f"SERVER={KIND!r}: unknown server; use one of {', '.join(KINDS)}")

SERVER = f"{KIND}-server"  # also runs Sentinel, with --sentinel
CLI = f"{KIND}-cli"
NAME = {"redis": "Redis", "valkey": "Valkey"}[KIND]
