"""The machine a benchmark ran on, and how busy it was: CPU model, cores, load, other processes' CPU use.

A measurement is only publishable when nothing else ran beside it. Two readings say so:
- the 1-minute load average (`os.getloadavg`), read before and after every measurement and checked once
  before a suite starts (a suite's own processes raise it, so during a suite it describes, it doesn't judge);
- the CPU seconds that *other* processes used while a measurement ran: the whole machine's busy time from
  /proc/stat minus this process's and its children's (`resource.getrusage`), over the wall time. It is
  None where /proc/stat is absent (not Linux).
`Probe` bundles both, so a test can hand the suite a machine that looks idle or busy.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import resource
import time

BUSY_LOAD_PER_CORE = 0.5  # above this 1-minute load (or others' CPU use) per core, the machine is busy


def cpu_model() -> str:
    """The CPU's model name (e.g. "AMD EPYC"), from /proc/cpuinfo where there is one."""
    import platform

    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def machine_busy_seconds() -> float | None:
    """CPU seconds all processes on the machine have spent busy since boot (None without /proc/stat)."""
    try:
        fields = pathlib.Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return None
    # user nice system idle iowait irq softirq steal ...: idle, iowait and steal (the hypervisor's) are not ours
    # or anyone's work on this machine.
    ticks = [int(x) for x in fields]
    busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]
    return busy / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds of this process and of its finished (waited-for) children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


@dataclasses.dataclass(frozen=True)
class Snapshot:
    wall: float
    load: float
    machine_busy: float | None
    own_cpu: float


class Probe:
    """Reads the machine's load; `busy(load)` applies the threshold. Tests pass a subclass with fixed readings."""

    def __init__(self):
        self.cores = cores()

    def load(self) -> float:
        """The 1-minute load average."""
        return os.getloadavg()[0]

    def snapshot(self) -> Snapshot:
        return Snapshot(time.perf_counter(), self.load(), machine_busy_seconds(), own_cpu_seconds())

    def others_cores(self, before: Snapshot, after: Snapshot) -> float | None:
        """Cores' worth of CPU that other processes used between two snapshots (None where unknown)."""
        if before.machine_busy is None or after.machine_busy is None:
            return None
        wall = max(after.wall - before.wall, 1e-9)
        others = (after.machine_busy - before.machine_busy) - (after.own_cpu - before.own_cpu)
        return max(0.0, others / wall)

    def threshold(self) -> float:
        return BUSY_LOAD_PER_CORE * self.cores

    def busy(self, load: float | None) -> bool:
        return load is not None and load > self.threshold()
