"""Redis/Valkey clients for the lab, the tests and the benchmarks: one retry policy
on every redis-py version."""
import redis
import redis.sentinel
from redis.backoff import NoBackoff
from redis.retry import Retry


def no_retry():
    # redis-py 6 (Debian 13) retries a failed command 3 times, with exponential
    # backoff from 1 s, unless told otherwise; redis-py 4 (Debian 12) never does.
    # Hidden retries turn a 0.1 s client timeout into seconds of measured outage
    # and re-send writes the caller believes failed. Every caller here retries by
    # itself, on a fresh connection, when it chooses to.
    return Retry(NoBackoff(), 0)


def connect(timeout_s, **kw):
    """A client that gives up on a command after timeout_s, never retrying."""
    return redis.Redis(socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
                       retry=no_retry(), **kw)


def sentinel_master(sentinels, name, timeout_s, **kw):
    """A client for the master that the Sentinels name, never retrying: neither
    the queries to the Sentinels nor the commands to the master."""
    timeouts = dict(socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
    sentinel = redis.sentinel.Sentinel(sentinels, sentinel_kwargs=dict(timeouts, retry=no_retry()))
    return sentinel.master_for(name, retry=no_retry(), **timeouts, **kw)
