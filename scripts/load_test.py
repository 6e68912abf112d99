"""Many sessions against a real `streamlit run app.py`, spoken to over Streamlit's own websocket protocol.

Each simulated browser tab is a Tab of mnist_demo/tools/protocol.py: one websocket to the server's
/_stcore/stream that sends what the browser's frontend sends (BackMsg.rerun_script with the page and its widget
states, the Draw canvas's drawing as the JSON its frontend sends) and runs `st.fragment(run_every=...)` timers as the
frontend does. No browser runs, so on a small machine the figures are the server's, not Chromium's. `--validate`
checks the protocol once against a real page in Chromium: the same drawing must give the same prediction text and the
same probability chart.

    # 30 tabs draw 5 digits each and wait for each prediction while a run trains (the tutorial's recipe, 5 epochs)
    python scripts/load_test.py --data-dir ../shared/data
    # open, predict once and close 50 tabs, twice; the server's RSS before and after each round
    python scripts/load_test.py --data-dir ../shared/data --churn 50
    # a teacher leads 30 followers through three steps, asks a question, and all 30 answer within 5 s
    python scripts/load_test.py --data-dir ../shared/data --lesson
    # the protocol against Chromium (Debian's /usr/bin/chromium, Playwright)
    python scripts/load_test.py --data-dir ../shared/data --validate

Latency is measured from sending the drawing to (a) the delta that carries the big digit (or "Not sure") and (b) the
end of the page's run (the probability chart and the class-set controls; "Inside the network" stays closed, as a
student's page opens, so its figures are neither computed nor sent). Errors: exceptions shown on the
page, timeouts, websocket disconnects and runs that end in a compile error.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from mnist_demo.classset import DB_ENV
from mnist_demo.paths import ROOT
from mnist_demo.tools import spy
from mnist_demo.tools.browser import (
    APP,
    BIG_DIGIT,
    CANVAS,
    CHART_TITLE,
    CHROMIUM,
    CHROMIUM_ARGS,
    ONE,
    POLL_MS,
    PROMPT,
    QUIET,
    SETTLED,
    SEVEN,
    VIEWPORT,
)
from mnist_demo.tools.protocol import Reading, Server, Tab, canvas_value

# --- the machine ----------------------------------------------------------------------------------------------------


def cpu_times(pid: int) -> dict[str, float]:
    """Seconds of CPU so far: the whole machine busy and idle, the server, this load client."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]

    def proc(p: int | str) -> float:
        stat = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(stat[11]) + int(stat[12])) / ticks  # utime + stime

    return {"busy": (sum(fields[:8]) - idle) / ticks, "idle": idle / ticks, "server": proc(pid), "client": proc("self")}


def cpu_share(before: dict[str, float], after: dict[str, float]) -> str:
    """Where the machine's CPU went between two cpu_times(), as shares of all its cores."""
    d = {k: after[k] - before[k] for k in before}
    total = d["busy"] + d["idle"]
    other = d["busy"] - d["server"] - d["client"]
    return (f"CPU of the {os.cpu_count()} cores: server {d['server'] / total:.0%}, "
            f"load client {d['client'] / total:.0%}, other processes {max(other, 0) / total:.0%}, "
            f"idle {d['idle'] / total:.0%}")


# --- scenarios -----------------------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    values = sorted(v for v in values if not math.isnan(v))
    if not values:
        return math.nan
    k = (len(values) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def line(name: str, values: list[float]) -> str:
    v = [x for x in values if not math.isnan(x)]
    if not v:
        return f"| {name} | 0 | - | - | - | - |"
    return (f"| {name} | {len(v)} | {pct(v, 0.5):.2f} | {pct(v, 0.95):.2f} | {max(v):.2f} | "
            f"{statistics.fmean(v):.2f} |")


class Trainer:
    """The teacher's tab: opens the Train page, starts a run, follows it through the page's live fragment."""

    def __init__(self, server: Server, epochs: int, timeout: float) -> None:
        self.tab = Tab(server.ws_url, "teacher")
        self.epochs, self.timeout = epochs, timeout

    async def start(self) -> float:
        seconds = await self.tab.open("", self.timeout)
        tab = self.tab
        epochs = tab.ids["Epochs"]
        tab.widgets[epochs] = WidgetState(id=epochs)
        tab.widgets[epochs].double_array_value.data.append(self.epochs)
        await tab.click("Start", self.timeout)
        deadline = time.monotonic() + self.timeout
        while "batch" not in tab.progress:  # the live fragment's first progress line
            if tab.errors or time.monotonic() > deadline:
                raise RuntimeError(f"the run did not start: {tab.errors or tab.texts}")
            await asyncio.sleep(0.2)
        return seconds

    @property
    def training(self) -> bool:
        return "batch" in self.tab.progress and not any("Finished in" in t for t in self.tab.texts)

    def position(self) -> tuple[float, int] | None:
        """(now, batches trained so far) from the Train page's progress line: "Epoch 2 of 5 · batch 1,234 of 1,875"."""
        m = re.match(r"Epoch (\d+) of \d+ · batch ([\d,]+) of ([\d,]+)", self.tab.progress)
        if not m:
            return None
        epoch, batch, batches = (int(g.replace(",", "")) for g in m.groups())
        return time.perf_counter(), (epoch - 1) * batches + batch

    def images_per_s(self, since: tuple[float, int] | None, batch_size: int = 32) -> float:
        now = self.position()
        if since is None or now is None or now[0] <= since[0]:
            return math.nan
        return (now[1] - since[1]) * batch_size / (now[0] - since[0])

    async def stop(self) -> str:
        """Press Stop if the run is still going; what the page said of the run."""
        tab = self.tab
        said = tab.progress
        if self.training and not tab.disabled.get("Stop", True):
            await tab.click("Stop", self.timeout)
        await tab.close()
        return said


async def scenario_load(server: Server, args) -> int:
    rng = random.Random(args.seed)
    memory = {"start": server.memory()}
    profiles: dict[str, tuple] = {}
    warm = Tab(server.ws_url, "warm-up")
    warm_open = await warm.open("draw", args.timeout)
    warm_read = await warm.draw(canvas_value(7, rng), 7, args.timeout)
    await warm.close()
    print(f"warm-up: Draw opened in {warm_open:.2f} s, first prediction in {warm_read.prediction_s:.2f} s "
          f"({warm_read.big!r})", flush=True)

    trainer = None
    if not args.no_train:
        trainer = Trainer(server, args.epochs, args.timeout)
        t = await trainer.start()
        print(f"teacher: Train page in {t:.2f} s, run started: {trainer.tab.progress}", flush=True)
        mark, cpu, redraws = trainer.position(), cpu_times(server.process.pid), trainer.tab.runs
        watcher = watch(server, args, "alone")
        await asyncio.sleep(args.baseline)
        alone = trainer.images_per_s(mark)
        profiles["training alone, the Train page open"] = (watcher.stop() if watcher else None,
                                                            trainer.tab.runs - redraws,
                                                            "Train page redraw")
        print(f"teacher: {alone:,.0f} images/s over {args.baseline:g} s with no student; "
              f"{cpu_share(cpu, cpu_times(server.process.pid))}", flush=True)
    memory["before"] = server.memory()
    mark = trainer.position() if trainer else None

    tabs = [Tab(server.ws_url, f"student-{i}") for i in range(args.sessions)]
    opened: list[float] = []
    readings: list[Reading] = []
    open_errors: list[str] = []

    async def student(tab: Tab, seed: int) -> None:
        r = random.Random(seed)
        try:
            opened.append(await tab.open("draw", args.timeout))
            if "canvas" not in tab.ids:
                open_errors.append(f"{tab.name}: no canvas on the Draw page: {tab.errors}")
                return
            for _ in range(args.drawings):
                await asyncio.sleep(r.uniform(0.5, 1.5) * args.think)  # a student drawing a digit
                digit = r.randrange(10)
                readings.append(await tab.draw(canvas_value(digit, r), digit, args.timeout,
                                               trainer is not None and trainer.training))
        except (asyncio.TimeoutError, ConnectionClosed, OSError) as exc:
            open_errors.append(f"{tab.name}: open failed: {type(exc).__name__} {exc}")
        finally:
            await tab.close()

    began, cpu = time.perf_counter(), cpu_times(server.process.pid)
    watcher = watch(server, args, "drawing")
    await asyncio.gather(*(student(tab, args.seed * 1000 + i) for i, tab in enumerate(tabs)))
    profiles[f"{args.sessions} students drawing"] = (watcher.stop() if watcher else None, len(readings), "drawing")
    cpu = cpu_share(cpu, cpu_times(server.process.pid))
    wall = time.perf_counter() - began
    memory["after"] = server.memory()
    during = trainer.images_per_s(mark) if trainer else math.nan
    still = trainer.training if trainer else False
    said = await trainer.stop() if trainer else ""

    errors = [f"{r.error}" for r in readings if r.error] + open_errors
    errors += [f"{t.name}: {e}" for t in tabs for e in t.errors if not any(e in x for x in errors)]
    right = sum(r.big == str(r.digit) for r in readings)
    unsure = sum(r.big == "Not sure" for r in readings)
    print()
    print(f"{args.sessions} sessions x {args.drawings} drawings (think time {args.think:g} s), "
          f"{'while a run trains' if trainer else 'no training'}; {wall:.0f} s wall")
    print()
    print("| seconds | n | p50 | p95 | max | mean |")
    print("|---|---|---|---|---|---|")
    print(line("open the Draw page", opened))
    print(line("drawing -> prediction", [r.prediction_s for r in readings]))
    print(line("drawing -> the end of the page's run", [r.page_s for r in readings]))
    print()
    print(f"drawings sent: {len(readings)}, answered: {sum(not r.error for r in readings)}, "
          f"read as drawn: {right}, 'Not sure': {unsure}")
    print(f"errors: {len(errors)}" + "".join(f"\n  {e}" for e in sorted(set(errors))[:20]))
    if trainer:
        print(f"training: {sum(r.training for r in readings)} of {len(readings)} drawings sent while the run trained; "
              f"still training at the end: {still}; the Train page's last progress: {said!r}")
        print(f"training speed: {alone:,.0f} images/s with no student, {during:,.0f} images/s while they drew "
              "(batch 32, from the Train page's progress line)")
    print(cpu)
    print(f"server RSS (MiB): start {memory['start']['rss']:.0f}, before the students (run started) "
          f"{memory['before']['rss']:.0f}, after {memory['after']['rss']:.0f}, peak {memory['after']['hwm']:.0f}")
    report_profiles(profiles)
    return 1 if errors else 0


def watch(server: Server, args, phase: str) -> spy.Spy | None:
    """py-spy on the server for one phase, with --profile."""
    if not args.profile:
        return None
    args.profile.mkdir(parents=True, exist_ok=True)
    watcher = spy.Spy(server.process.pid, args.profile / f"{phase}.raw")
    watcher.start()
    return watcher


def report_profiles(profiles: dict[str, tuple]) -> None:
    """Where the server's CPU went in each phase (py-spy), and what one event cost it."""
    for phase, (profile, events, event) in profiles.items():
        if profile is None:
            continue
        print()
        print(f"server CPU while {phase} (py-spy, {spy.RATE} samples/s): {profile.seconds():.2f} s serving pages"
              + (f", {1000 * profile.seconds() / events:.1f} ms per {event} ({events})" if events else ""))
        print("| part | CPU s | share of serving |")
        print("|---|---|---|")
        for part, seconds, share in profile.table():
            print(f"| {part} | {seconds:.2f} | {'-' if math.isnan(share) else f'{share:.0%}'} |")


LESSON_CODE = "load-test-teacher"  # the teacher link's code for --lesson (the server is started with it)
STEPS = ("gallery", "model", "")  # where the teacher's Next leads from the start: the lesson's first three steps


async def until(done, timeout: float, every: float = 0.01) -> bool:
    """Wait until done() is true (polling), at most `timeout` seconds; whether it came true."""
    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            return False
        await asyncio.sleep(every)
    return True


async def scenario_lesson(server: Server, args) -> int:
    """A teacher and `--sessions` students: the class sits idle (what that costs the server), the teacher turns
    "Students follow me" on and moves through three steps, asks a question, and every student answers within
    --answer-within seconds (5)."""
    rng, errors = random.Random(args.seed), []
    teacher = Tab(server.ws_url, "teacher")
    teacher.query = f"teacher={LESSON_CODE}"
    await teacher.open("", args.timeout)
    if "Students follow me" not in teacher.ids:
        print("the teacher's page has no \"Students follow me\": the teacher link did not work", flush=True)
        return 1
    students = [Tab(server.ws_url, f"student-{i}") for i in range(args.sessions)]

    async def arrive(s: Tab) -> None:  # over a second, as a room does
        await asyncio.sleep(rng.uniform(0, 1))
        await s.open("", args.timeout)

    await asyncio.gather(*(arrive(s) for s in students))
    await teacher.set("Students follow me", args.timeout, on=True)

    # an idle class: nothing changes, so the server asks no page to redraw (mnist_demo/web/push.py)
    await asyncio.sleep(args.pause)
    tabs = [teacher, *students]
    runs, sent, cpu, began = (sum(t.runs for t in tabs), sum(t.bytes for t in tabs), cpu_times(server.process.pid),
                              time.perf_counter())
    watcher = watch(server, args, "idle")
    await asyncio.sleep(args.idle)
    idle_profile = watcher.stop() if watcher else None
    ticks, idle_wall = sum(t.runs for t in tabs) - runs, time.perf_counter() - began
    idle_bytes = sum(t.bytes for t in tabs) - sent
    now = cpu_times(server.process.pid)
    idle = {"ticks": ticks, "wall": idle_wall, "bytes": idle_bytes, "share": cpu_share(cpu, now),
            "cpu": now["server"] - cpu["server"], "profile": idle_profile}

    # the teacher leads: each Next moves every follower's page
    moved: dict[str, list[float]] = {}
    shown: dict[str, list[float]] = {}
    cpu = cpu_times(server.process.pid)
    for target in STEPS:
        t0 = time.perf_counter()
        await teacher.click("Next", args.timeout)

        def arrived(s: Tab, t0: float = t0, target: str = target) -> float | None:
            return next((t for t, path in s.moves if t > t0 and path == target), None)

        def all_shown(t0: float = t0, target: str = target) -> bool:
            return all((a := arrived(s)) is not None and any(e > a for e in s.run_ends) for s in students)

        if not await until(all_shown, args.timeout):
            errors.append(f"Next to {target or 'train'}: {sum(arrived(s) is None for s in students)} students "
                          "did not follow")
        name = target or "train"
        for s in students:
            a = arrived(s)
            if a is not None:
                moved.setdefault(name, []).append(a - t0)
                shown.setdefault(name, []).append(min((e for e in s.run_ends if e > a), default=math.inf) - t0)
        await asyncio.sleep(args.pause)
    follow_share = cpu_share(cpu, cpu_times(server.process.pid))

    # guess first: the teacher asks, every student answers within 5 s, the teacher's chart counts them
    ask = next((label for label in teacher.ids if label.startswith("Ask: Will a learning rate")), None)
    if ask is None:
        errors.append("the teacher's page has no \"will it learn?\" question on the training step")
        return report_lesson(args, idle, moved, shown, follow_share, {}, errors)
    t0 = time.perf_counter()
    await teacher.click(ask, args.timeout)
    if not await until(lambda: all("Your answer" in s.ids for s in students), args.timeout):
        errors.append(f"{sum('Your answer' not in s.ids for s in students)} students never saw the question")
    asked = time.perf_counter() - t0
    answered: list[float] = []
    cpu = cpu_times(server.process.pid)

    async def answer(s: Tab) -> None:
        await asyncio.sleep(rng.uniform(0, args.answer_within))  # a room answers within seconds (default 5)
        ends, t1 = len(s.run_ends), time.perf_counter()
        choice = rng.choice(("Yes", "No"))
        await s.set("Your answer", args.timeout, choice=choice)
        if await until(lambda: len(s.run_ends) > ends and any(x.startswith(f"Your answer is in: {choice}.")
                                                               for x in s.texts), args.timeout):
            answered.append(time.perf_counter() - t1)
        else:
            errors.append(f"{s.name}: the answer was not confirmed on the page")

    answers_began = time.perf_counter()
    await asyncio.gather(*(answer(s) for s in students if "Your answer" in s.ids))
    last = time.perf_counter()
    want = f"{len(students)} answers"
    counted = await until(lambda: any(title == want for t, title in teacher.charts if t > answers_began),
                          args.timeout)
    chart_s = (min(t for t, title in teacher.charts if title == want and t > answers_began) - last
               if counted else math.inf)
    if not counted:
        seen = [title for _, title in teacher.charts[-3:]]
        errors.append(f"the teacher's chart never said {want!r} (last: {seen})")
    answer_share = cpu_share(cpu, cpu_times(server.process.pid))
    errors += [f"{t.name}: {e}" for t in tabs for e in t.errors]
    figures = {"asked": asked, "answered": answered, "chart": chart_s, "within": last - answers_began,
               "share": answer_share}
    for tab in tabs:
        await tab.close()
    return report_lesson(args, idle, moved, shown, follow_share, figures, errors)


def report_lesson(args, idle: dict, moved, shown, follow_share, answers, errors) -> int:
    print()
    print(f"a teacher and {args.sessions} students following the lesson")
    print(f"idle: {idle['ticks']} page runs in {idle['wall']:.1f} s ({idle['ticks'] / idle['wall']:.1f}/s); the server "
          f"used {1000 * idle['cpu'] / idle['wall']:.1f} ms of CPU a second and sent {idle['bytes']:,.0f} bytes in all"
          + (f" ({1000 * idle['cpu'] / idle['ticks']:.2f} ms and {idle['bytes'] / idle['ticks']:,.0f} bytes a run)"
             if idle['ticks'] else "") + f"; {idle['share']}")
    print()
    print("| seconds | n | p50 | p95 | max | mean |")
    print("|---|---|---|---|---|---|")
    for name in moved:
        print(line(f"Next -> a follower's page is {name}", moved[name]))
        print(line(f"Next -> {name} drawn on a follower's page", shown[name]))
    print(f"while following: {follow_share}")
    report_profiles({"the class sits idle": (idle["profile"], idle["ticks"], "page run")})
    if answers:
        print(line("an answer -> \"Your answer is in\" on the student's page", answers["answered"]))
        print()
        print(f"the question on every student's page {answers['asked']:.2f} s after Ask; {len(answers['answered'])} "
              f"answers sent over {answers['within']:.1f} s; the teacher's chart said \"{args.sessions} answers\" "
              f"{answers['chart']:.2f} s after the last; {answers['share']}")
    print(f"errors: {len(errors)}" + "".join(f"\n  {e}" for e in sorted(set(errors))[:20]))
    return 1 if errors else 0


async def one_session(server: Server, rng: random.Random, timeout: float) -> list[str]:
    tab = Tab(server.ws_url, "churn")
    try:
        await tab.open("draw", timeout)
        digit = rng.randrange(10)
        reading = await tab.draw(canvas_value(digit, rng), digit, timeout)
        return [reading.error] if reading.error else list(tab.errors)
    except (asyncio.TimeoutError, ConnectionClosed, OSError) as exc:
        return [f"{type(exc).__name__}: {exc}"]
    finally:
        await tab.close()


async def released(server: Server, ttl: float) -> None:
    """Wait out the disconnected-session TTL, then connect and leave once: Streamlit drops expired sessions from its
    store when the next one is stored, not by a timer."""
    await asyncio.sleep(ttl + 5)
    probe = Tab(server.ws_url, "probe")
    probe.ws = await connect(server.ws_url, subprotocols=["streamlit"], max_size=None, ping_interval=None)
    await asyncio.sleep(0.5)
    probe.closing = True
    await probe.ws.close()
    await asyncio.sleep(3)


async def scenario_churn(server: Server, args) -> int:
    rng = random.Random(args.seed)
    ttl = args.session_ttl if args.session_ttl is not None else 120  # Streamlit's default
    rows = [("server started", server.memory(), server.sessions(), 0)]
    errors = await one_session(server, rng, args.timeout)  # imports, the model, the first run of each page
    await released(server, ttl)
    rows.append(("warm: 1 session opened, predicted, closed, released", server.memory(), server.sessions(), 0))
    for r in range(1, args.rounds + 1):
        began = time.perf_counter()
        for start in range(0, args.churn, args.wave):
            batch = await asyncio.gather(*(one_session(server, rng, args.timeout)
                                           for _ in range(min(args.wave, args.churn - start))))
            errors += [e for found in batch for e in found]
        took = time.perf_counter() - began
        rows.append((f"round {r}: {args.churn} sessions closed ({took:.0f} s)", server.memory(), server.sessions(),
                     args.churn))
        await released(server, ttl)
        rows.append((f"round {r}: after the TTL ({ttl} s), sessions released", server.memory(), server.sessions(), 0))
    print()
    print(f"churn: {args.rounds} rounds of {args.churn} sessions (waves of {args.wave}: open Draw, predict once, "
          f"close); disconnected-session TTL {ttl} s")
    print()
    print("| moment | RSS MiB | peak RSS MiB | sessions active | connects | disconnects | media files kB |")
    print("|---|---|---|---|---|---|---|")
    for name, mem, sess, _ in rows:
        print(f"| {name} | {mem['rss']:.0f} | {mem['hwm']:.0f} | {sess.get('active_sessions', math.nan):g} | "
              f"{sess.get('session_events_total.connect', math.nan):g} | "
              f"{sess.get('session_events_total.disconnect', math.nan):g} | "
              f"{sess.get('media_bytes', math.nan) / 1000:.1f} |")
    released_rows = [mem["rss"] for name, mem, _, _ in rows if "released" in name]
    print()
    print("RSS after release: " + ", ".join(f"{v:.0f}" for v in released_rows) + " MiB; growth per round: "
          + ", ".join(f"{b - a:+.0f}" for a, b in zip(released_rows, released_rows[1:])) + " MiB")
    print(f"errors: {len(errors)}" + "".join(f"\n  {e}" for e in sorted(set(errors))[:20]))
    return 1 if errors else 0


# --- the protocol against Chromium ---------------------------------------------------------------------------------


def chart_specs(messages: list[ForwardMsg]) -> list[str]:
    return [m.delta.new_element.plotly_chart.spec for m in messages
            if m.WhichOneof("type") == "delta" and m.delta.WhichOneof("type") == "new_element"
            and m.delta.new_element.WhichOneof("type") == "plotly_chart"]


async def scenario_validate(server: Server, args) -> int:
    """Draw a 1 and a 7 with the mouse in Chromium; send the very JSON the browser sent through the protocol client;
    the page's answer (big text, the sure line, the probability chart) must be the same."""
    from playwright.async_api import async_playwright

    strokes = {"1": ONE, "7": SEVEN}
    failures = 0

    async def settled() -> None:  # the page's run over and drawn, as tools/browser.py's wait_for_run
        await page.evaluate("() => { window.__mnistDemoSettled = null; }")
        await page.wait_for_function(SETTLED, arg=[APP, QUIET], polling=POLL_MS, timeout=args.timeout * 1000)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport=VIEWPORT)
        sent: list[bytes] = []
        received: list[bytes] = []

        def on_socket(ws) -> None:
            ws.on("framesent", lambda p: sent.append(p if isinstance(p, bytes) else p.encode()))
            ws.on("framereceived", lambda p: received.append(p if isinstance(p, bytes) else p.encode()))

        page.on("websocket", on_socket)
        await page.goto(f"{server.url}/draw")
        await page.get_by_text(PROMPT).wait_for(timeout=120_000)
        for digit, digit_strokes in strokes.items():
            clear = page.get_by_role("button", name=re.compile(r"Clear$"))
            if digit != "1":
                await clear.click()
                await page.get_by_text(PROMPT).wait_for(timeout=60_000)
            await settled()
            sent.clear()
            received.clear()
            canvas = page.locator(CANVAS)
            box = await canvas.bounding_box()
            for stroke in digit_strokes:
                await page.mouse.move(box["x"] + stroke[0][0] * box["width"], box["y"] + stroke[0][1] * box["height"])
                await page.mouse.down()
                for x, y in stroke[1:]:
                    await page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=25)
                await page.mouse.up()
            big = page.locator(BIG_DIGIT)
            await big.wait_for(timeout=60_000)
            await page.get_by_text(CHART_TITLE).first.wait_for(timeout=60_000)
            await settled()
            browser_big = (await big.inner_text()).strip()
            browser_detail = (await page.get_by_text(re.compile(r"sure · next best|^Maybe")).first.inner_text()).strip()
            values = []
            for frame in sent:
                back = BackMsg()
                back.ParseFromString(frame)
                values += [w.json_value for w in back.rerun_script.widget_states.widgets
                           if "canvas" in w.id and w.json_value]
            browser_msgs = []
            for frame in received:
                fwd = ForwardMsg()
                fwd.ParseFromString(frame)
                browser_msgs.append(fwd)
            tab = Tab(server.ws_url, "protocol")
            tab.keep = True
            await tab.open("draw", args.timeout)
            tab.received.clear()
            reading = await tab.draw(values[-1], int(digit), args.timeout)
            await tab.close()
            same_chart = chart_specs(browser_msgs)[:1] == chart_specs(tab.received)[:1] != []
            plain = reading.detail.replace("**", "")
            ok = browser_big == reading.big and browser_detail == plain and same_chart and not reading.error
            failures += not ok
            print(f"drew {digit} with the mouse: Chromium shows {browser_big!r} / {browser_detail!r}; the protocol "
                  f"client got {reading.big!r} / {plain!r}; probability chart identical: {same_chart}; "
                  f"{'SAME' if ok else 'DIFFERENT'} ({len(values[-1])} bytes of canvas JSON)")
        await browser.close()
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", help="folder holding MNIST/raw/ (sets MNIST_DEMO_DATA_DIR for the server)")
    parser.add_argument("--sessions", type=int, default=30, help="students drawing at once (default 30)")
    parser.add_argument("--drawings", type=int, default=5, help="drawings per student (default 5)")
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean seconds a student takes to draw the next digit (0.5-1.5 x this; default 3)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the teacher's run (the tutorial's recipe "
                        "otherwise: batch 32, SGD 0.01; default 5). It is stopped when the students are done")
    parser.add_argument("--no-train", action="store_true", help="no training run: the baseline")
    parser.add_argument("--baseline", type=float, default=10,
                        help="seconds the run trains alone before the students come, to measure its speed (default 10)")
    parser.add_argument("--churn", type=int, default=0, metavar="N",
                        help="instead: open, predict once and close N sessions per round; RSS before and after")
    parser.add_argument("--rounds", type=int, default=2, help="churn rounds (default 2)")
    parser.add_argument("--wave", type=int, default=10, help="churn sessions open at once (default 10)")
    parser.add_argument("--session-ttl", type=int, default=None,
                        help="server.disconnectedSessionTTL for the server (default: Streamlit's, 120 s)")
    parser.add_argument("--validate", action="store_true", help="instead: the protocol against Chromium")
    parser.add_argument("--lesson", action="store_true",
                        help="instead: the students follow the teacher through three steps and answer a question")
    parser.add_argument("--idle", type=float, default=10, help="--lesson: seconds the class sits idle first")
    parser.add_argument("--pause", type=float, default=2,
                        help="--lesson: seconds the teacher talks between two steps (default 2)")
    parser.add_argument("--answer-within", type=float, default=5,
                        help="--lesson: every student answers within this many seconds of the question (default 5)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="sample the server with py-spy in each phase (raw stacks in DIR) and say where its CPU "
                             "time went: Streamlit, the app's code, PyTorch, the training thread")
    parser.add_argument("--set", action="append", default=[], metavar="OPTION=VALUE",
                        help="a Streamlit config option for the server, e.g. runner.postScriptGC=true (repeatable)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for any one answer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log", type=Path, default=ROOT / "runs" / "load_test_server.log")
    args = parser.parse_args()
    if args.profile and spy.available():
        parser.error(f"--profile: {spy.available()}")

    if args.lesson:  # the teacher by the teacher link; a tab on this machine is not the teacher by being here
        os.environ.update({"MNIST_DEMO_TEACHER_CODE": LESSON_CODE, "MNIST_DEMO_LOCAL_TEACHER": "0",
                           DB_ENV: str(Path(tempfile.mkdtemp(prefix="load-test-")) / "class.db")})  # answers apart
    server = Server(args.data_dir, args.log, args.session_ttl, args.set)
    print(f"server: {server.command} (pid {server.process.pid}, log {args.log})", flush=True)
    try:
        scenario = (scenario_validate if args.validate else scenario_lesson if args.lesson
                    else scenario_churn if args.churn else scenario_load)
        return asyncio.run(scenario(server, args))
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
