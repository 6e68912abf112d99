"""Bad input against the real server (`streamlit run app.py`), where AppTest cannot reach: forged canvas values
sent over Streamlit's own websocket, and an upload's file name as a real browser renders it.

The canvas test speaks the protocol with scripts/protocol.py's Tab (what the browser sends: BackMsg.rerun_script
with the canvas's JSON), measures the server process's memory (VmHWM, the peak resident set, reset before each value
through /proc/PID/clear_refs) and reads back what the page shows. Rows of tests/test_bad_input.py's table. The
figures in docs/reliability.md: python -m pytest tests/test_bad_web.py -q -s -k server_
"""

from __future__ import annotations

import asyncio
import base64
import functools
import io
import json
import random
import struct
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from mnist_demo.errors import UnreadableImage
from mnist_demo.paths import RUNS_DIR_ENV
from mnist_demo.tools import protocol
from mnist_demo.tools.browser import PROMPT, RUN_TIMEOUT_MS, VIEWPORT, assert_no_exception
from mnist_demo.web.canvas import checked_png

slow = pytest.mark.slow  # the tests on the real server
MEMORY_LIMIT_MB = 100  # what a forged canvas value may cost the server at most (the bar)
TIMEOUT = 120


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def forged_png(width: int, height: int, rgba: bool = True, extra: bytes = b"") -> bytes:
    """A valid, complete, all-zero PNG of width x height: small to send, huge to decode (RGBA: 4 bytes a pixel)."""
    z, row = zlib.compressobj(9), bytes((4 if rgba else 1) * width + 1)
    pixels = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if rgba else 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + extra + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def inflating_text() -> bytes:
    """50 zTXt chunks, each 1 MB of text compressed to 1 kB: what PIL would inflate while reading the header."""
    return chunk(b"zTXt", b"note\x00\x00" + zlib.compress(bytes(2**20), 9)) * 50


def value(data: object, **state) -> str:
    """The canvas component's JSON value, as its frontend sends it, with `data` as the drawing's data URL."""
    return json.dumps({"drawing": {"raw": {"version": "7.4.0", "objects": [], "background": "#000000"},
                                   "data": data}, **state}, separators=(",", ":"))


AGAIN = "Press Clear and draw again."
FORGED = {  # case: (the canvas value, what the page says after "Cannot read your drawing: ", or None: no error)
    "12000 x 12000 px RGBA, 747 kB": (lambda: value(data_url(forged_png(12000, 12000))),
                                      "it is 0.7 MB of text; a 280 x 280 drawing is at most 0.4 MB (a forged "
                                      f"message?). {AGAIN}"),
    "12000 x 12000 px grey, 140 kB": (lambda: value(data_url(forged_png(12000, 12000, rgba=False))),
                                      f"it is 12000 x 12000 px, but the canvas is 280 x 280 (a forged message?). "
                                      f"{AGAIN}"),
    "20000 x 20000 px": (lambda: value(data_url(forged_png(20000, 20000, rgba=False))),
                         f"it is 0.5 MB of text; a 280 x 280 drawing is at most 0.4 MB (a forged message?). {AGAIN}"),
    "malformed data URL": (lambda: value("data:image/png;base64,iVBORw0KGgo%%%"),
                           "what the canvas sent is not a drawing (its base64 is broken: a damaged or forged "
                           f"message). {AGAIN}"),
    "not a data URL": (lambda: value("javascript:alert(1)"),
                       f"what the canvas sent is not a drawing (not a PNG data URL: a damaged or forged message). "
                       f"{AGAIN}"),
    "a GIF": (lambda: value("data:image/png;base64," + base64.b64encode(b"GIF89a" + bytes(100)).decode()),
              f"what the canvas sent is not a drawing (no PNG signature: a damaged or forged message). {AGAIN}"),
    "the drawing of the wrong type": (lambda: json.dumps({"drawing": "x"}),
                                      "what the canvas sent is not a drawing (its fields are not what the canvas "
                                      f"sends: a damaged or forged message). {AGAIN}"),
    "a background fit without its fields": (lambda: value(None, backgroundFit={"scaleX": 1}),
                                            "what the canvas sent is not a drawing (its fields are not what the "
                                            f"canvas sends: a damaged or forged message). {AGAIN}"),
    "280 x 280 with 50 MB of compressed text": (lambda: value(data_url(forged_png(280, 280, extra=inflating_text()))),
                                                None),
    "3 MB of base64": (lambda: value("data:image/png;base64," + "A" * 3 * 2**20),
                       f"it is 3.0 MB of text; a 280 x 280 drawing is at most 0.4 MB (a forged message?). {AGAIN}"),
}
OVERSIZED = {  # case: megabytes of base64 in the value; over .streamlit/config.toml's limits the server hangs up
    "15 MB, read then refused (maxWidgetStateSize)": 15.2,
    "250 MB, refused unread (maxMessageSize)": 250,
}


# --------------------------------------------------------------------------------------------------------------------
# The check itself, without a server


WRONG_SHAPE = ("the drawing of the wrong type", "a background fit without its fields")  # st_canvas fails on these


@pytest.mark.parametrize("case", [c for c in FORGED if c not in WRONG_SHAPE])
def test_checked_png_refuses_forged_canvas_values_before_decoding(case, monkeypatch):
    make, message = FORGED[case]
    url = json.loads(make())["drawing"]["data"]
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("PIL was called"))
    if message is None:
        png = checked_png(url, 280, 280)
        assert b"zTXt" not in png and len(png) < 1000  # the pixels stay, the text that would inflate goes
    else:
        with pytest.raises(UnreadableImage) as info:
            checked_png(url, 280, 280)
        assert str(info.value) == message


def test_the_forged_pngs_are_real_bombs():
    """PIL reads their headers as the sizes claimed, and a real browser drawing passes the check: the refusals above
    are not vacuous."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # PIL's own warning: it is one
        assert Image.open(io.BytesIO(forged_png(12000, 12000))).size == (12000, 12000)
    assert len(data_url(forged_png(12000, 12000))) == pytest.approx(747_000, rel=0.01)
    drawn = json.loads(protocol.canvas_value(7, random.Random(0)))["drawing"]["data"]
    assert Image.open(io.BytesIO(checked_png(drawn, 280, 280))).size == (280, 280)


# --------------------------------------------------------------------------------------------------------------------
# On the real server


@pytest.fixture(scope="module")
def server(tiny_data_dir, tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(RUNS_DIR_ENV, str(runs))
        try:
            srv = protocol.Server(str(tiny_data_dir), tmp_path_factory.mktemp("server") / "streamlit.log")
        except RuntimeError as exc:
            pytest.fail(str(exc))
    yield srv
    srv.stop()


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS (Linux 4.0+)


async def send_all(server) -> dict[str, dict]:
    """Each forged value in turn on one Draw tab, between two genuine drawings: what the page showed and the peak
    memory it cost."""
    tab = protocol.Tab(server.ws_url, "forger")
    results: dict[str, dict] = {}
    try:
        await tab.open("draw", TIMEOUT)
        rng = random.Random(0)
        results["genuine, before"] = {"reading": await tab.draw(protocol.canvas_value(7, rng), 7, TIMEOUT)}
        await tab.draw(FORGED["malformed data URL"][0](), None, TIMEOUT)  # the error path's first run, warm
        for case, (make, _) in FORGED.items():
            sent = make()
            before = server.memory()["rss"]
            reset_peak(server.process.pid)
            reading = await tab.draw(sent, None, TIMEOUT)
            results[case] = {"texts": list(tab.texts), "errors": list(tab.errors), "reading": reading,
                             "grew_mb": server.memory()["hwm"] - before}
    finally:
        await tab.close()
    for case, megabytes in OVERSIZED.items():  # each on its own tab: the server closes the connection
        big = protocol.Tab(server.ws_url, "oversized")
        try:
            await big.open("draw", TIMEOUT)
            before = server.memory()["rss"]
            reset_peak(server.process.pid)
            await big.draw(value("data:image/png;base64," + "A" * int(megabytes * 2**20)), None, TIMEOUT)
            results[case] = {"errors": list(big.errors), "grew_mb": server.memory()["hwm"] - before}
        finally:
            await big.close()
    after = protocol.Tab(server.ws_url, "after")
    try:
        await after.open("draw", TIMEOUT)
        results["genuine, after"] = {"reading": await after.draw(protocol.canvas_value(7, rng), 7, TIMEOUT)}
    finally:
        await after.close()
    return results


@pytest.fixture(scope="module")
def forged_results(server):
    if not Path(f"/proc/{server.process.pid}/clear_refs").exists():
        pytest.skip("needs Linux's /proc to measure the server's peak memory")
    with ThreadPoolExecutor(1) as thread:  # a thread of its own: Playwright's sync API may hold this one's event loop
        return thread.submit(asyncio.run, send_all(server)).result()


@slow
def test_server_a_genuine_drawing_is_read_before_and_after_the_forged_ones(forged_results):
    for when in ("genuine, before", "genuine, after"):  # the second on a new tab, after the server hung up twice
        reading = forged_results[when]["reading"]
        assert reading.error == "" and reading.big == "7", reading


@slow
@pytest.mark.parametrize("case", FORGED)
def test_server_forged_canvas_values_cost_little_and_say_one_thing(forged_results, case):
    result, message = forged_results[case], FORGED[case][1]
    print(f"{case}: the server's peak memory grew by {result['grew_mb']:.1f} MB")
    assert result["grew_mb"] < MEMORY_LIMIT_MB
    assert result["errors"] == []  # no exception element, no disconnect
    texts = result["texts"]
    assert not any("Something went wrong" in t for t in texts)  # app.py's catch-all did not fire either
    said = [t for t in texts if t.startswith("Cannot read")]
    if message is None:
        assert said == [] and any("the canvas is empty" in t for t in texts)
    else:
        assert said == [f"Cannot read your drawing: {message}"]


@slow
@pytest.mark.parametrize("case", OVERSIZED)
def test_server_an_oversized_value_closes_the_connection_cheaply(forged_results, case):
    result = forged_results[case]
    print(f"{case}: the server's peak memory grew by {result['grew_mb']:.1f} MB")
    assert result["grew_mb"] < MEMORY_LIMIT_MB
    assert len(result["errors"]) == 1 and "1009 (message too big)" in result["errors"][0]


# --------------------------------------------------------------------------------------------------------------------
# An upload's file name, as Chromium renders it


HOSTILE_NAME = ("www.example.org me@example.com `tick` [click me](https://example.com) "
                "![pixel](https://example.com/x.png) **bold** $x^2$ :red[red] <b>html</b>.png")


def test_browser_an_upload_name_is_shown_as_text_not_as_markdown(browser, app_url):
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.set_default_timeout(RUN_TIMEOUT_MS)
        page.goto(f"{app_url}/draw")
        page.get_by_text(PROMPT).wait_for()
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": HOSTILE_NAME, "mimeType": "image/png", "buffer": b"Shopping list: milk, eggs"}])
        alert = page.locator('[data-testid="stAlert"]').filter(has_text="Cannot read")
        alert.wait_for()
        assert alert.locator("code").inner_text() == HOSTILE_NAME  # every character, as typed
        assert "it is not a readable image" in alert.inner_text()
        assert alert.locator("a").count() == 0 and alert.locator("img").count() == 0  # no link, no fetch
        assert alert.locator("strong, b, .katex, span[style*='color']").count() == 0
        assert_no_exception(page)
    finally:
        page.context.close()
