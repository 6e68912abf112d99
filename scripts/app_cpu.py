"""What an open Train page costs while a run trains: the processor time of Chromium and of the server, from /proc.

    python scripts/app_cpu.py --data-dir ../shared/data [--runs 2] [--profile]

Starts `streamlit run app.py`, opens the Train page in Chromium (Debian's /usr/bin/chromium, 1400 x 1000, the
browser `python -m mnist_demo bench` uses), presses Start on the Fast recipe and waits, without polling the page,
until the run has saved its checkpoint. Prints, per run: the run's training seconds (from the checkpoint), the wall
time, and the cores Chromium (all its processes) and the server used over that time. On a 2-core machine every
tenth of a core the browser takes costs the run more than a tenth: its two OpenMP threads wait for each other.
With --profile, Chromium's JavaScript profiler samples the page for PROFILE_S seconds from 4 s after Start, and the
script prints where the page's main thread spent that time, by script bundle (the chart's is PlotlyChart). With
--whole, it samples from the click on Start to the run's end, and also prints how many milliseconds of each second
the page's main thread was busy (its full redraws stand out from the live line's).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

from mnist_demo.tools.appspeed import train_page, train_seconds, wait_for_saved
from mnist_demo.tools.browser import missing

TICK = os.sysconf("SC_CLK_TCK")
PROFILE_S = 10


def cpu_seconds(pid: int) -> float:
    """User + system time of one process, 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def descendants(pid: int) -> list[int]:
    found = []
    for tasks in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = [int(c) for c in tasks.read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *descendants(child)]
    return found


def chromium_seconds() -> float:
    def is_chromium(pid: int) -> bool:
        try:
            return "chrom" in Path(f"/proc/{pid}/comm").read_text()
        except OSError:
            return False
    return sum(cpu_seconds(p) for p in descendants(os.getpid()) if is_chromium(p))


def by_bundle(profile: dict) -> list[tuple[str, float]]:
    """A CDP Profiler profile's samples as (script bundle or V8 category, ms), most first."""
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    ms: collections.Counter = collections.Counter()
    for sample, delta in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[sample]
        ms[frame["url"].rsplit("/", 1)[-1].split(".")[0] or frame["functionName"]] += delta / 1000
    return ms.most_common()


def busy_each_second(profile: dict) -> list[int]:
    """Milliseconds of each second of a CDP Profiler profile that the page's main thread was not idle."""
    nodes = {n["id"]: n["callFrame"]["functionName"] for n in profile["nodes"]}
    busy: collections.Counter = collections.Counter()
    at = 0
    for sample, delta in zip(profile["samples"], profile["timeDeltas"]):
        at += delta
        if nodes[sample] != "(idle)":
            busy[at // 1_000_000] += delta / 1000
    return [round(busy[second]) for second in range(at // 1_000_000 + 1)]


def one_run(data_dir: str, profile: bool = False, whole: bool = False) -> tuple[float, float, float, float]:
    """(training s, wall s, Chromium cores, server cores) of one Fast run started in the browser."""
    with train_page("fast", data_dir) as opened:
        if opened is None:
            sys.exit(f"cannot drive Chromium: {missing()}")
        server, page, runs = opened
        page.wait_for_timeout(1000)
        if whole:
            cdp = page.context.new_cdp_session(page)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 1000})  # microseconds
            cdp.send("Profiler.start")
        browser_before, server_before, began = chromium_seconds(), cpu_seconds(server.process.pid), time.time()
        page.get_by_role("button", name="Start").click()
        if profile and not whole:
            cdp = page.context.new_cdp_session(page)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 1000})  # microseconds
            time.sleep(4)
            cdp.send("Profiler.start")
            time.sleep(PROFILE_S)
            spent = by_bundle(cdp.send("Profiler.stop")["profile"])
            print(f"the page's main thread over {PROFILE_S} s (ms): "
                  + ", ".join(f"{name} {ms:.0f}" for name, ms in spent[:8]), flush=True)
        saved = wait_for_saved(runs, 900)
        wall = time.time() - began
        if whole:
            whole_profile = cdp.send("Profiler.stop")["profile"]
            spent = by_bundle(whole_profile)
            print("the page's main thread from Start to the run's end (ms): "
                  + ", ".join(f"{name} {ms:.0f}" for name, ms in spent[:8]), flush=True)
            print("busy ms in each second: " + " ".join(map(str, busy_each_second(whole_profile))), flush=True)
        browser_used = chromium_seconds() - browser_before
        server_used = cpu_seconds(server.process.pid) - server_before
        if saved is None:
            sys.exit("the run did not finish within 15 minutes")
        return train_seconds(saved), wall, browser_used / wall, server_used / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="also sample the page's JavaScript (adds its cost)")
    parser.add_argument("--whole", action="store_true", help="sample it from Start to the run's end (adds its cost)")
    args = parser.parse_args()
    if missing():
        sys.exit(f"cannot drive Chromium: {missing()}")
    for _ in range(args.runs):
        seconds, wall, browser, server = one_run(args.data_dir, args.profile, args.whole)
        print(f"training {seconds:.2f} s, wall {wall:.1f} s; cores used: Chromium {browser:.2f}, server {server:.2f}",
              flush=True)


if __name__ == "__main__":
    main()
