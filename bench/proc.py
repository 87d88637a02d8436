"""What the benches read from /proc: a process tree, its CPU time and peak memory, and the
machine's busy CPU time. CPU seconds per call say what a call costs whatever else the shared
machine was doing; the wall-clock figures say what the machine allowed that day."""

from __future__ import annotations

import os
from pathlib import Path


def vm_hwm_kb(pid: int) -> int:
    """Peak resident memory of a process (kB)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def process_tree(root: int) -> list[int]:
    found = [root]
    try:
        children = Path(f"/proc/{root}/task/{root}/children").read_text().split()
    except OSError:
        children = []
    for child in children:
        found.extend(process_tree(int(child)))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(root: int) -> float:
    return sum(cpu_seconds(pid) for pid in process_tree(root))


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent not idle (all CPUs, every process: the server,
    the load generator, PostgreSQL, Redis, anything else running), from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6]
    return busy / os.sysconf("SC_CLK_TCK")


def postgres_cpu_by_pid(cursor, database: str) -> dict[int, float]:
    """CPU time so far of the PostgreSQL processes that serve ``database``: its client
    backends (the server's connections; not the one ``cursor`` uses) and the cluster's own
    background processes (WAL writer, checkpointer, background writer), whose work the
    calls' writes cause. ``cursor`` is any open cursor on the cluster."""
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE (datname = %s OR backend_type <> 'client backend')"
        " AND pid <> pg_backend_pid()",
        [database],
    )
    return {pid: cpu_seconds(pid) for (pid,) in cursor.fetchall()}


def postgres_cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the PostgreSQL processes spent between two readings; a backend that appeared
    between them counts from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def redis_pid(url: str) -> int | None:
    """The Redis server's process id (from INFO), if it runs on this machine."""
    try:
        import redis

        pid = int(redis.Redis.from_url(url).info("server")["process_id"])
    except Exception:
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def own_backend_pid(connection) -> int:
    """The PostgreSQL backend of a Django connection (opened if needed)."""
    connection.ensure_connection()
    return int(connection.connection.info.backend_pid)


def wait_for_quiet(max_load: float, timeout: float, label: str = "") -> float:
    """Block until the one-minute load average is below ``max_load`` (the machine is quiet:
    only this bench runs), at most ``timeout`` seconds; then stop the bench with a warning.
    Returns the load average when the round starts."""
    import sys
    import time

    deadline = time.monotonic() + timeout
    while True:
        load = os.getloadavg()[0]
        if load < max_load:
            return load
        if time.monotonic() > deadline:
            print(
                f"WARNING: load average {load:.2f} ≥ {max_load} before {label or 'a round'} "
                f"after waiting {timeout:.0f} s: something else runs on this machine. "
                "Figures taken now would not be comparable; stopping.",
                file=sys.stderr,
            )
            raise SystemExit(3)
        time.sleep(5)
