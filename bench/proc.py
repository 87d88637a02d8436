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
