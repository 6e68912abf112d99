"""The room, round two, without a browser: the address students are given, the teacher's cookie, one run at a
time from the Train page, and recipes whose name and caption say what Start will use."""

from __future__ import annotations

import asyncio
import re
import socket
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import ROOT, button, texts, wait_for
from streamlit.testing.v1 import AppTest

from mnist_demo.data import load_split
from mnist_demo.runs.run import FINE_TUNING
from mnist_demo.train import finetune
from mnist_demo.web import address, browser_id, state, teacher
from mnist_demo.web.__main__ import banner

# --- the students' address ---------------------------------------------------------------------------------------

ROUTES = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
"""


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A laptop named "vm" whose name resolves to loopback, on the class's network by eth0 (192.0.2.2), with Wi-Fi
    and a container bridge too: nothing here looks at the real machine's network."""
    routes = tmp_path / "route"
    routes.write_text(ROUTES)
    monkeypatch.setattr(address, "ROUTE_TABLE", routes)
    monkeypatch.setattr(address, "interface_addresses", lambda: {
        "lo": "127.0.0.1", "docker0": "172.17.0.1", "eth0": "192.0.2.2", "wlan0": "192.168.1.23"})
    monkeypatch.setattr(address, "routed_address", lambda: None)
    monkeypatch.setattr(socket, "gethostname", lambda: "vm")
    monkeypatch.delenv(address.PUBLIC_URL_ENV, raising=False)
    laptop = SimpleNamespace(loopback="127.0.1.1")  # what its name resolves to

    def resolve(host, port, family=0, *args, **kwargs):
        assert host == "vm", f"looked up {host!r}: only the machine's own name is resolved"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (laptop.loopback, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return laptop


@pytest.mark.parametrize("loopback", ["127.0.0.1", "127.0.1.1"])  # Debian and Ubuntu map their own name to 127.0.1.1
def test_a_host_name_that_maps_to_loopback_gives_the_lan_address(machine, loopback):
    machine.loopback = loopback
    urls = address.student_urls(8501)
    assert urls == ["http://192.0.2.2:8501/", "http://192.168.1.23:8501/", "http://172.17.0.1:8501/"]
    printed = banner(urls, "CODE", "8501")
    assert "Students open:  http://192.0.2.2:8501/" in printed and "http://192.0.2.2:8501/?teacher=CODE" in printed
    assert "vm:" not in printed and loopback not in printed


def test_the_interface_with_the_lowest_metric_default_route_comes_first(machine, tmp_path):
    (tmp_path / "route").write_text(ROUTES.replace("\t100\t", "\t900\t", 1))  # Wi-Fi is now the preferred route
    assert address.lan_addresses()[:2] == ["192.168.1.23", "192.0.2.2"]


def test_without_a_routing_table_the_routed_address_is_used(machine, tmp_path, monkeypatch):
    monkeypatch.setattr(address, "ROUTE_TABLE", tmp_path / "missing")  # macOS, BSD
    monkeypatch.setattr(address, "interface_addresses", dict)
    monkeypatch.setattr(address, "routed_address", lambda: "10.4.0.17")
    assert address.student_urls("8777") == ["http://10.4.0.17:8777/"]


def test_a_machine_on_no_network_says_so_instead_of_giving_a_name(machine, monkeypatch):
    monkeypatch.setattr(address, "interface_addresses", lambda: {"lo": "127.0.0.1", "eth0": "169.254.3.9"})
    assert address.student_urls(8501) == []
    assert "no network address" in banner([], "CODE", "8501") and "vm" not in banner([], "CODE", "8501")


def test_the_public_url_overrides_the_machine_s_addresses(machine, monkeypatch):
    monkeypatch.setenv(address.PUBLIC_URL_ENV, "https://mnist.school.example/")
    assert address.student_urls(8501) == ["https://mnist.school.example/"]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.1.1", "0.0.0.0", "169.254.1.2", "224.0.0.1", "::1", "vm",
                                  "localhost", "fe80::1", ""])
def test_never_loopback_link_local_or_a_name(host):
    assert not address.reachable(host)


# --- the teacher's cookie ----------------------------------------------------------------------------------------

@pytest.fixture
def code(monkeypatch):
    monkeypatch.setenv(teacher.TEACHER_CODE_ENV, "the-code")
    return "the-code"


def test_the_cookie_is_signed_with_the_code_and_expires(code, monkeypatch):
    value = teacher.token(now=1_000)
    assert teacher.role(value, now=1_000) == "teacher" and code not in value
    assert teacher.role(value, now=1_000 + teacher.LASTS_S + 1) is None  # expired
    expires = value.split(".")[1]
    assert teacher.role(value.replace(expires, str(int(expires) + 3600)), now=1_000) is None  # a longer life forged
    assert teacher.role("teacher.99999999999.00", now=1_000) is None
    assert teacher.role("student") == "student" and teacher.role(None) is None and teacher.role("") is None
    monkeypatch.setenv(teacher.TEACHER_CODE_ENV, "another-server")
    assert teacher.role(value, now=1_000) is None, "a server with another code does not take it"


def test_a_pass_works_once(code):
    issued = teacher.issue_pass()
    assert teacher.redeem(issued) and not teacher.redeem(issued) and not teacher.redeem("made-up")


def door(path: str, query: str) -> tuple[dict | None, bool]:
    """What TeacherDoor answers a GET: (the response's start, whether the page behind it was reached)."""
    reached, sent = [], []

    async def page(scope, receive, send):
        reached.append(scope)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "query_string": query.encode(), "scheme": "http"}
    asyncio.run(teacher.TeacherDoor(page)(scope, None, send))
    return (sent[0] if sent else None), bool(reached)


def test_the_door_sets_an_http_only_cookie_and_takes_the_code_off_the_address(code):
    answer, reached = door("/draw", "teacher=the-code&lang=zh")
    assert not reached and answer is not None and answer["status"] == 303
    headers = dict(answer["headers"])
    assert headers[b"location"] == b"/draw?lang=zh"
    cookie = headers[b"set-cookie"].decode()
    assert cookie.startswith(f"{teacher.COOKIE}=teacher.") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "the-code" not in cookie
    assert teacher.role(cookie.split("=", 1)[1].split(";")[0]) == "teacher"

    answer, reached = door("/", "role=student")
    assert dict(answer["headers"])[b"set-cookie"].startswith(f"{teacher.COOKIE}=student;".encode())
    assert door("/", "teacher=wrong") == (None, True), "a wrong code goes on to the page, which says so"
    assert door("/_stcore/health", "teacher=the-code") == (None, True)
    answer, _ = door("//evil.example/x", "teacher=the-code")
    assert dict(answer["headers"])[b"location"] == b"/evil.example/x", "the redirect stays on this server"


def test_a_session_with_the_teacher_s_cookie_is_the_teacher_and_one_without_is_not(code, monkeypatch, tiny_data_dir):
    monkeypatch.setenv("MNIST_DEMO_LOCAL_TEACHER", "0")
    monkeypatch.setenv("MNIST_DEMO_DATA_DIR", str(tiny_data_dir))
    found = {}
    monkeypatch.setattr(state, "_cookie_role", lambda: found.get("role"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert "You are the teacher." not in texts(at)
    found["role"] = "teacher"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert "You are the teacher." in "\n".join(c.value for c in at.sidebar.caption)
    assert button(at, "Start").disabled is False


# --- the Train page: one run at a time, recipes that say what Start uses ----------------------------------------

@pytest.mark.usefixtures("fresh_app_state")
def test_after_fine_tuning_the_tutorial_recipe_is_the_tutorial_s(tiny_data_dir, monkeypatch):
    monkeypatch.setenv("MNIST_DEMO_DATA_DIR", str(tiny_data_dir))
    registry = state.runs()
    train, test = load_split("mnist", True, tiny_data_dir), load_split("mnist", False, tiny_data_dir)
    tuned = registry.start(finetune.CONFIG, train, test, teacher=True, kind=FINE_TUNING)
    tuned.join(timeout=300)
    assert tuned.snapshot().state == "finished"

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert at.segmented_control[0].value == "seed"
    settings = lambda a: (a.select_slider[0].value, a.select_slider[1].value, a.radio[0].value)  # noqa: E731
    assert settings(at) == (32, 0.01, "sgd") and "Changed from the recipe" not in texts(at)
    at = at.segmented_control[0].set_value("fast").run()
    assert settings(at) == (128, 0.016, "adam")
    at = at.segmented_control[0].set_value("seed").run()
    assert settings(at) == (32, 0.01, "sgd")

    at.radio[0].set_value("adam")
    at = at.run()
    assert "Changed from the recipe: Adam instead of SGD." in texts(at)
    at.slider[0].set_value(1)
    button(at, "Start").click()
    at = wait_for(at.run(), lambda a: "Finished" in texts(a))
    assert re.fullmatch(r"Run 2 · Tutorial · Adam 0\.01 · \d+\.\d %", at.subheader[0].value)
    assert at.segmented_control[0].value == "seed" and settings(at) == (32, 0.01, "adam")
    assert "Changed from the recipe: Adam instead of SGD." in texts(at), "the next run's caption says it too"


# --- colour ------------------------------------------------------------------------------------------------------

DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])  # Machado, Oliveira and Fernandes (2009), severity 1


def hue_as_a_deuteranope_sees(rgb) -> np.ndarray:
    """The chromaticity (the shares of r, g and b, lightness left out) of `rgb` as a deuteranope sees it."""
    linear = np.where(np.asarray(rgb) / 255 <= 0.04045, np.asarray(rgb) / 255 / 12.92,
                      ((np.asarray(rgb) / 255 + 0.055) / 1.055) ** 2.4)
    seen = np.clip(DEUTERANOPIA @ linear, 0, 1)
    return seen / seen.sum()


def test_the_verdict_colours_stay_apart_for_the_red_green_colour_blind():
    from mnist_demo.insight.pictures import verdict_colour

    wrong, right = hue_as_a_deuteranope_sees(verdict_colour(0)), hue_as_a_deuteranope_sees(verdict_colour(1))
    red, green = hue_as_a_deuteranope_sees((217, 33, 33)), hue_as_a_deuteranope_sees((33, 217, 33))  # the old ends
    assert np.abs(red - green).max() < 0.05, "red and green: one hue for a deuteranope (this test's premise)"
    assert np.abs(wrong - right).max() > 0.3, "vermillion and blue stay apart"


def tagged(path: str, cookie: str | None = None) -> list[tuple[bytes, bytes]]:
    """The headers BrowserTag lets through on the page's own response to a GET of `path`."""
    sent = []

    async def page(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})

    async def send(message):
        sent.append(message)

    headers = [(b"cookie", cookie.encode())] if cookie else []
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "scheme": "http", "headers": headers}
    asyncio.run(browser_id.BrowserTag(page)(scope, None, send))
    return sent[0]["headers"]


def test_each_browser_gets_one_anonymous_id_that_answers_count_by():
    first = dict(tagged("/draw"))[b"set-cookie"].decode()
    value = first.split(";")[0].split("=", 1)[1]
    assert first.startswith(f"{browser_id.COOKIE}=") and browser_id.valid(value)
    assert "HttpOnly" in first and "SameSite=Lax" in first
    assert b"set-cookie" not in dict(tagged("/", f"lang=zh; {browser_id.COOKIE}={value}")), "kept, not replaced"
    forged = dict(tagged("/", f"{browser_id.COOKIE}=<script>"))[b"set-cookie"].decode()
    assert browser_id.valid(forged.split(";")[0].split("=", 1)[1]), "a forged id is replaced by a real one"
    assert b"set-cookie" not in dict(tagged("/_stcore/stream")), "Streamlit's own routes are left alone"
    assert dict(tagged("/draw"))[b"set-cookie"] != first.encode(), "another browser, another id"
