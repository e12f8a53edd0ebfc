#!/usr/bin/env python3
"""Where the machine's CPU went during one load run, per program, from /proc.

`cpu.py snap FILE` stores every process's CPU ticks and the machine's busy/idle ticks;
`cpu.py diff FILE` prints CPU seconds per program since then (aviso, postgres, nginx, wrk and
everything else, which on a shared machine is mostly other people's builds) and how busy all cores were.
"""
import json, os, sys

TICK = os.sysconf("SC_CLK_TCK")
KNOWN = ("aviso", "postgres", "nginx", "wrk")


def processes():
    ticks = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        # utime and stime are fields 14 and 15 of stat, starttime 22 (a reused pid is another
        # process; a kernel worker's name changes with its work); fields[] starts at field 3.
        ticks[pid] = (name, int(fields[11]) + int(fields[12]), fields[19])
    return ticks


def machine():
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    idle = cpu[3] + cpu[4]
    return sum(cpu) - idle, idle


def snap(path):
    busy, idle = machine()
    with open(path, "w") as f:
        json.dump({"procs": processes(), "busy": busy, "idle": idle}, f)


def diff(path):
    with open(path) as f:
        before = json.load(f)
    busy, idle = machine()
    per = {}
    for pid, (name, ticks, started) in processes().items():
        old = before["procs"].get(pid)
        spent = ticks - (old[1] if old and old[2] == started else 0)
        group = next((k for k in KNOWN if name.startswith(k)), "other")
        per[group] = per.get(group, 0) + spent
    db, di = busy - before["busy"], idle - before["idle"]
    parts = ", ".join(f"{k} {per.get(k, 0) / TICK:.1f}" for k in KNOWN + ("other",))
    print(f"cpu seconds: {parts}; all cores {100 * db / max(db + di, 1):.0f}% busy")


{"snap": snap, "diff": diff}[sys.argv[1]](sys.argv[2])
