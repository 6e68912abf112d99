"""Streamlit's own websocket protocol, spoken as a browser tab does, against the app served by `streamlit run`: for
the load test (scripts/load_test.py) and the tests that send what no browser would (tests/test_bad_web.py,
tests/test_classroom.py).

A Tab is one websocket to ws://127.0.0.1:PORT/_stcore/stream that sends what the browser's frontend sends
(BackMsg.rerun_script with the page and its widget states; the Draw canvas's drawing as the JSON the
streamlit-drawable-canvas 0.13 frontend sends: {"drawing": {"raw": <Fabric.js JSON>, "data": <PNG data URL>}}), runs
`st.fragment(run_every=...)` timers as the frontend does, and reads back what the page shows: its texts, the big
digit of a reading, the Train page's progress line, exceptions, disconnects.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import math
import os
import random
import re
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from mnist_demo.tools.serve import AppServer

FINISHED, COMPILE_ERROR, FINISHED_EARLY, FRAGMENT_FINISHED = 0, 1, 2, 3  # ForwardMsg.ScriptFinishedStatus
BIG_DIGIT = re.compile(r"font-size:[^>]*>([^<]*)</div>")
# The Train page's progress line, drawn as HTML by mnist_demo/web/live.py: "Epoch 2 of 5 · batch 1,234 of 1,875 · …"
LIVE_PROGRESS = re.compile(r'class="live-progress".*?role="progressbar"[^>]*aria-label="([^"]*)"', re.DOTALL)


# --- the server -----------------------------------------------------------------------------------------------------


class Server(AppServer):
    """The app as `make run` serves it, plus what the load test reads off it: ws_url, memory(), sessions()."""

    def __init__(self, data_dir: str | None, log: Path, session_ttl: int | None = None,
                 options: Sequence[str] = ()) -> None:
        env = dict(os.environ)
        if data_dir:
            env["MNIST_DEMO_DATA_DIR"] = str(Path(data_dir).resolve())
        flags = ["--server.disconnectedSessionTTL", str(session_ttl)] if session_ttl is not None else []
        for option in options:  # --set runner.postScriptGC=true -> --runner.postScriptGC true
            key, _, value = option.partition("=")
            flags += [f"--{key}", value]
        super().__init__(env, flags, log)
        self.ws_url = f"ws://127.0.0.1:{self.port}/_stcore/stream"

    def memory(self) -> dict[str, float]:
        """The server process's resident memory now (rss) and at its peak (hwm), in MiB."""
        found = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found["rss" if key == "VmRSS" else "hwm"] = int(value.split()[0]) / 1024
        return found

    def sessions(self) -> dict[str, float]:
        """Streamlit's own counters from /_stcore/metrics: active sessions, connects, disconnects, and the bytes its
        media file storage holds (the images pages show)."""
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/metrics", timeout=10) as r:
                text = r.read().decode()
        except OSError:
            return {}
        found = {}
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            m = re.match(r'(\w+)(?:\{([^}]*)\})?\s+([0-9.e+-]+)$', line.strip())
            labels = dict(re.findall(r'(\w+)="([^"]*)"', (m.group(2) or "") if m else ""))
            if m and "session" in m.group(1):
                found[m.group(1) + ("." + labels["type"] if "type" in labels else "")] = float(m.group(3))
            elif m and labels.get("cache_type") == "st_memory_media_file_storage":
                found["media_bytes"] = float(m.group(3))
        return found


# --- drawings ------------------------------------------------------------------------------------------------------


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int) -> list[tuple[float, float]]:
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a))) for a in np.linspace(a0, a1, n)]


STROKES = {  # each digit as pen strokes on a unit square
    0: [_arc(0.5, 0.5, 0.25, 0.38, -90, 270, 24)],
    1: [[(0.42, 0.22), (0.55, 0.1), (0.55, 0.9)]],
    2: [_arc(0.5, 0.32, 0.24, 0.2, 190, 360, 10) + _arc(0.5, 0.32, 0.24, 0.2, 0, 50, 4) + [(0.25, 0.88), (0.8, 0.88)]],
    3: [_arc(0.48, 0.3, 0.24, 0.19, 200, 450, 14) + _arc(0.48, 0.69, 0.27, 0.2, 270, 520, 14)],
    4: [[(0.6, 0.1), (0.2, 0.6), (0.8, 0.6)], [(0.6, 0.3), (0.6, 0.9)]],
    5: [[(0.75, 0.12), (0.32, 0.12), (0.28, 0.45)] + _arc(0.5, 0.65, 0.26, 0.24, 240, 480, 14)],
    6: [[(0.68, 0.1), (0.45, 0.3), (0.28, 0.6)] + _arc(0.5, 0.68, 0.22, 0.21, 180, 540, 20)],
    7: [[(0.2, 0.12), (0.8, 0.12), (0.4, 0.9)]],
    8: [_arc(0.5, 0.3, 0.2, 0.19, 90, 450, 18), _arc(0.5, 0.69, 0.25, 0.21, -90, 270, 18)],
    9: [_arc(0.5, 0.32, 0.22, 0.2, 0, 360, 18) + [(0.72, 0.32), (0.68, 0.9)]],
}


def canvas_value(digit: int, rng: random.Random, size: int = 280) -> str:
    """What the Draw page's canvas sends for a drawing of `digit`: white ink on opaque black, RGBA PNG, somewhere
    on the canvas at 55-90 % of its size, pen 16-26 px."""
    scale = rng.uniform(0.55, 0.9)
    cx, cy = (rng.uniform(0.5 - (1 - scale) / 2, 0.5 + (1 - scale) / 2) for _ in range(2))
    pen = rng.randint(16, 26)
    big = Image.new("RGBA", (2 * size, 2 * size), (0, 0, 0, 255))  # drawn at 2x, then smoothed like the browser's
    draw = ImageDraw.Draw(big)
    objects = []
    for stroke in STROKES[digit]:
        points = [((cx + (x - 0.5) * scale) * size, (cy + (y - 0.5) * scale) * size) for x, y in stroke]
        draw.line([(2 * x, 2 * y) for x, y in points], fill=(255, 255, 255, 255), width=2 * pen, joint="curve")
        for x, y in points:
            draw.ellipse((2 * x - pen, 2 * y - pen, 2 * x + pen, 2 * y + pen), fill=(255, 255, 255, 255))
        path = [["M", *points[0]]] + [["L", *p] for p in points[1:]]
        objects.append({"type": "Path", "version": "7.4.0", "stroke": "#FFFFFF", "strokeWidth": pen,
                        "strokeLineCap": "round", "strokeLineJoin": "round", "fill": None, "path": path})
    buf = io.BytesIO()
    big.resize((size, size), Image.Resampling.LANCZOS).save(buf, "PNG")
    data = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    return json.dumps({"drawing": {"raw": {"version": "7.4.0", "objects": objects, "background": "#000000"},
                                   "data": data}}, separators=(",", ":"))


# --- one browser tab -----------------------------------------------------------------------------------------------


@dataclass
class Reading:
    digit: int | None
    big: str = ""  # the big text: a digit or "Not sure"
    detail: str = ""  # "**100%** sure · next best **4** (0.0%)" or the not-sure line
    prediction_s: float = math.nan  # send -> the delta with the big text
    page_s: float = math.nan  # send -> the run's end
    error: str = ""
    training: bool = False  # a run was training when the drawing was sent


@dataclass
class _Pending:
    t0: float
    started: bool = False  # a full run began after the drawing was sent
    passed_over: bool = False  # one such run ended without the drawing: one the server began before reading it
    reading: Reading = field(default_factory=lambda: Reading(None))
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Tab:
    """One browser tab: a websocket session that reruns pages with widget states, as Streamlit's frontend does."""

    def __init__(self, ws_url: str, name: str) -> None:
        self.ws_url, self.name = ws_url, name
        self.query = ""  # the address's query string, e.g. "teacher=CODE"
        self.ws: ClientConnection | None = None
        self.page_hash = ""
        self.widgets: dict[str, WidgetState] = {}  # sent with every rerun, as the frontend does
        self.ids: dict[str, str] = {}  # widget label (or "canvas") -> widget id
        self.disabled: dict[str, bool] = {}
        self.texts: list[str] = []  # markdown, alerts, progress texts of the latest run (full or fragment)
        self.progress: str = ""  # the Train page's latest progress line: "Epoch 2 of 5 · batch 1,234 of 1,875 · …"
        self.errors: list[str] = []
        self.timers: dict[str, asyncio.Task] = {}
        self.pending: _Pending | None = None
        self.run_done = asyncio.Event()  # a full run ended
        self.closing = False
        self.reader: asyncio.Task | None = None
        self.received: list[ForwardMsg] = []
        self.keep = False  # keep every ForwardMsg (for --validate)
        self.trace: list[str] = []  # what arrived since the last drawing was sent, for a timeout's report
        self.paths: dict[str, str] = {}  # page script hash -> its url path ("" for the default page)
        self.moves: list[tuple[float, str]] = []  # (perf_counter, url path) of each page this tab was shown
        self.run_ends: list[float] = []  # perf_counter at the end of each full run
        self.charts: list[tuple[float, str]] = []  # (perf_counter, title) of each Plotly chart drawn
        self.runs = 0  # runs ended, full or fragment: each one the server did for this tab
        self.bytes = 0  # bytes received from the server

    async def open(self, page_name: str, timeout: float) -> float:
        """Connect and run `page_name` ("" for the default page); seconds until the page's run ended."""
        t0 = time.perf_counter()
        async def dial() -> ClientConnection:
            return await connect(self.ws_url, subprotocols=[Subprotocol("streamlit")], max_size=None,
                                 ping_interval=None, open_timeout=timeout)

        self.ws = await asyncio.wait_for(dial(), timeout)
        self.reader = asyncio.create_task(self._read())
        self.run_done.clear()
        await self._send(page_name=page_name)
        await asyncio.wait_for(self.run_done.wait(), timeout)
        return time.perf_counter() - t0

    async def close(self) -> None:
        self.closing = True
        for task in self.timers.values():
            task.cancel()
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(Exception):
                await self.reader

    async def _send(self, page_name: str | None = None, triggers: tuple[WidgetState, ...] = (),
                    fragment_id: str = "", auto: bool = False) -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        if page_name is not None:
            state.page_name = page_name
        else:
            state.page_script_hash = self.page_hash
        state.widget_states.widgets.extend([*self.widgets.values(), *triggers])
        if fragment_id:
            state.fragment_id, state.is_auto_rerun = fragment_id, auto
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale, info.color_scheme = "UTC", 0, "en-US", "light"
        info.url = self.ws_url.replace("ws://", "http://").replace("/_stcore/stream", "/" + (page_name or ""))
        assert self.ws is not None, "open() first"
        await self.ws.send(msg.SerializeToString())

    async def rerun(self, triggers: tuple[WidgetState, ...] = ()) -> None:
        self.run_done.clear()
        await self._send(triggers=triggers)

    async def click(self, label: str, timeout: float) -> None:
        await self.rerun((WidgetState(id=self.ids[label], trigger_value=True),))
        await asyncio.wait_for(self.run_done.wait(), timeout)

    async def set(self, label: str, timeout: float, **value) -> None:
        """Change the widget `label` (a toggle: on=True; pills: choice="Yes") and wait for the page's run."""
        wid = self.ids[label]
        if "on" in value:
            state = WidgetState(id=wid, bool_value=bool(value["on"]))
        else:
            state = WidgetState(id=wid)
            state.string_array_value.data.append(str(value["choice"]))
        self.widgets[wid] = state
        self.run_done.clear()
        await self._send()
        await asyncio.wait_for(self.run_done.wait(), timeout)

    async def _tick(self, fragment_id: str, interval: float) -> None:
        while True:  # the frontend's setInterval: fires whether or not the last rerun has ended
            await asyncio.sleep(interval)
            with contextlib.suppress(ConnectionClosed):
                await self._send(fragment_id=fragment_id, auto=True)

    def _stop_timers(self, ids=None) -> None:
        for fid in list(self.timers if ids is None else ids):
            task = self.timers.pop(fid, None)
            if task is not None:
                task.cancel()

    async def _read(self) -> None:
        assert self.ws is not None, "open() first"
        try:
            async for raw in self.ws:
                self.bytes += len(raw)
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                if self.keep:
                    self.received.append(msg)
                self._handle(msg, time.perf_counter())
        except ConnectionClosed as exc:
            if not self.closing:
                self.errors.append(f"disconnected ({exc})")
        finally:
            if not self.closing and not any(e.startswith("disconnected") for e in self.errors):
                self.errors.append("disconnected")
            if self.pending is not None and not self.pending.done.is_set():
                self.pending.reading.error = self.pending.reading.error or "disconnected"
                self.pending.done.set()
            self.run_done.set()

    def _handle(self, msg: ForwardMsg, now: float) -> None:
        kind = msg.WhichOneof("type")
        fragment_run = bool(msg.metadata.run.fragment_ids)
        if self.pending is not None and kind != "delta":
            detail = msg.script_finished if kind == "script_finished" else ""
            self.trace.append(f"{now - self.pending.t0:.2f} {kind} {detail}{' (fragment)' if fragment_run else ''}")
        if kind == "navigation":  # the page this run shows (new_session names the main script on a first run)
            self.page_hash = msg.navigation.page_script_hash
            self.paths.update({page.page_script_hash: page.url_pathname for page in msg.navigation.app_pages})
            self.moves.append((now, self.paths.get(self.page_hash, "?")))
        elif kind == "new_session":
            self.texts = []
            if not fragment_run:
                self._stop_timers()  # as the frontend does on a full run
                if self.pending is not None:
                    self.pending.started = True
        elif kind == "auto_rerun":
            fid, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            self._stop_timers([fid])
            self.timers[fid] = asyncio.get_running_loop().create_task(self._tick(fid, interval))
        elif kind == "stop_auto_rerun":
            self._stop_timers(list(msg.stop_auto_rerun.fragment_ids))
        elif kind == "script_finished":
            status = msg.script_finished
            if status == COMPILE_ERROR:
                self.errors.append("compile error")
            self.runs += 1
            if status == FINISHED and not fragment_run:
                self.run_ends.append(now)
            if status in (FINISHED, COMPILE_ERROR):
                self.run_done.set()
                p = self.pending
                if p is not None and p.started and not p.done.is_set():
                    if (status == FINISHED and p.reading.digit is not None and not p.reading.big
                            and not p.reading.error and not p.passed_over):
                        # A run the server began just before it read a digit's drawing (the class moved on, say)
                        # ends without it, and the drawing's own run follows: wait for that one, once. (A forged
                        # value, sent with no digit, is answered by a run without a prediction.)
                        p.passed_over, p.started = True, False
                        return
                    p.reading.page_s = now - p.t0
                    if not p.reading.big:
                        p.reading.error = p.reading.error or "no prediction on the page"
                        if os.environ.get("LOAD_TEST_TRACE"):
                            print(f"{self.name}: no prediction; messages since sending:\n  "
                                  + "\n  ".join(self.trace[:80]), file=sys.stderr, flush=True)
                    p.done.set()
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element, now)

    def _element(self, el, now: float) -> None:
        kind = el.WhichOneof("type")
        text = ""
        if kind == "markdown":
            text = el.markdown.body
            live = LIVE_PROGRESS.search(text)
            if live:  # the Train page's progress line, redrawn each second by its fragment
                self.progress = unescape(live.group(1))
        elif kind == "alert":
            text = el.alert.body
        elif kind == "progress":
            text = el.progress.text
        elif kind == "exception":
            error = f"exception: {el.exception.type}: {el.exception.message}"
            self.errors.append(error)
            if self.pending is not None:
                self.pending.reading.error = error
        elif kind in ("button", "slider", "selectbox", "checkbox", "button_group"):  # checkbox: a toggle too
            widget = getattr(el, kind)
            self.ids[widget.label] = widget.id
            self.disabled[widget.label] = widget.disabled
        elif kind == "plotly_chart":
            with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
                title = json.loads(el.plotly_chart.spec)["layout"]["title"]
                self.charts.append((now, title["text"] if isinstance(title, dict) else str(title)))
        elif kind == "bidi_component" and "canvas" in el.bidi_component.id:
            self.ids["canvas"] = el.bidi_component.id
        if text:
            self.texts.append(text)
        p = self.pending
        if p is None or not p.started or not text:
            return
        big = BIG_DIGIT.search(text)
        if big and not p.reading.big:
            p.reading.big, p.reading.prediction_s = big.group(1).strip(), now - p.t0
        elif " sure · next best " in text or text.startswith("Maybe "):
            p.reading.detail = text

    async def draw(self, value: str, digit: int | None, timeout: float, training: bool = False) -> Reading:
        """Send one drawing, as the canvas does on mouse-up, and wait for the page's answer."""
        self.widgets[self.ids["canvas"]] = WidgetState(id=self.ids["canvas"], json_value=value)
        self.pending = _Pending(time.perf_counter())
        self.trace = []
        self.pending.reading.digit, self.pending.reading.training = digit, training
        try:
            await self.rerun()
            await asyncio.wait_for(self.pending.done.wait(), timeout)
        except asyncio.TimeoutError:
            self.pending.reading.error = f"timeout ({timeout:g} s)"
            if os.environ.get("LOAD_TEST_TRACE"):
                print(f"{self.name} timed out; got {self.pending.reading}; messages since sending:\n  "
                      + "\n  ".join(self.trace[:80]), file=sys.stderr, flush=True)
        except ConnectionClosed:
            self.pending.reading.error = "disconnected"
        reading, self.pending = self.pending.reading, None
        return reading
