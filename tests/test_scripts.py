"""Every tool runs: each script in scripts/ and `python -m mnist_demo bench` (mnist_demo/tools/), at its smallest
setting, so that a change that breaks a benchmark or a screenshot script fails the suite. What they measure is not
checked here (they measure this machine), only that they run to the end and print or write what they say.

The scripts that only compute run in this process (runpy, as `python scripts/x.py` would); those that serve the app,
drive Chromium or time fresh processes run as their own process. Screenshots go to a tmp folder, never to assets/.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import subprocess
import sys
import tempfile

import pytest
from conftest import ROOT, cli

from mnist_demo.classset import DB_ENV
from mnist_demo.paths import RUNS_DIR_ENV

pytestmark = pytest.mark.slow
SCRIPTS = ROOT / "scripts"


def in_process(capsys, monkeypatch, name: str, *args) -> str:
    """`python scripts/NAME ARGS`, run in this process; what it printed (it must not exit with an error)."""
    monkeypatch.setattr(sys, "argv", [str(SCRIPTS / name), *map(str, args)])
    try:
        runpy.run_path(str(SCRIPTS / name), run_name="__main__")
    except SystemExit as exc:
        assert exc.code in (0, None), f"{name} exited with {exc.code}"
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return out


@pytest.fixture
def short_tmp():
    """A temporary folder with a short path: Chromium puts its singleton socket in $TMPDIR, and refuses to start when
    that socket's path is longer than a Unix socket allows (pytest-xdist's tmp_path, popen-gw0/..., is)."""
    with tempfile.TemporaryDirectory(prefix="mnd-") as folder:
        yield folder


@pytest.fixture
def own_env(tmp_path, short_tmp) -> dict[str, str]:
    """The environment for a script run as its own process: the app it serves keeps its runs and class set here."""
    return dict(os.environ, **{RUNS_DIR_ENV: str(tmp_path / "runs"), DB_ENV: str(tmp_path / "class.db"),
                               "TMPDIR": short_tmp})


def own_process(env: dict[str, str], command: list, timeout: float = 600) -> str:
    """A command (a script under scripts/, or any) run as its own process from the repository root; its stdout."""
    if str(command[0]).endswith(".py"):
        command = [sys.executable, str(SCRIPTS / command[0]), *command[1:]]
    done = subprocess.run([str(c) for c in command], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0 and "Traceback" not in done.stderr, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


STYLE_ROW = re.compile(r"^7-crossed +\d+ +[\d.]+% +\d+ +[\d.]+% +\d+ +[\d.]+%", re.MULTILINE)


# --- computing only, in this process -------------------------------------------------------------------------------


def test_style_check(capsys, monkeypatch):
    out = in_process(capsys, monkeypatch, "style_check.py", "-n", 2, "--fast", "--styles", 1, 7, "junk")
    assert "2 drawings per style, seed 0, 140 px canvas" in out and STYLE_ROW.search(out)


def test_drawing_check(capsys, monkeypatch, tiny_data_dir, tmp_path):
    table = tmp_path / "drawing_check.json"
    out = in_process(capsys, monkeypatch, "drawing_check.py", "--data-dir", tiny_data_dir, "-n", 40,
                     "--per-style", 2, "--styles", 7, "junk", "--pen-n", 12, "--json", table)
    assert "40 redrawn MNIST test digits" in out and re.search(r"project path .*: +\d+\.\d\d%", out)
    assert STYLE_ROW.search(out) and f"wrote {table}" in out
    held_out = r"^\| UJI v2, writers 41-60, held out \| 12 \| \d+ \| \*\*\d+\.\d %\*\* \|"
    assert re.search(held_out, out, re.MULTILINE), out
    assert re.search(r"Quick, Draw! shapes \(no digit\), 12 drawings: 'not sure' \*\*\d+\.\d %\*\*", out), out
    written = json.loads(table.read_text())
    assert written["mnist_redrawn"]["n"] == 40 and written["per_style"] == 2 and written["styles"]
    assert [p["n"] for p in written["real_pen"]["parts"]] == [12] * 4 and written["real_pen"]["shapes"]["n"] == 12


def test_augmentation_study(capsys, monkeypatch, tiny_data_dir, tmp_path):
    out = in_process(capsys, monkeypatch, "augmentation_study.py", "--data-dir", tiny_data_dir, "--out-dir", tmp_path,
                     "--kinds", "none", "--epochs", 1, "--check-size", 40, "--per-style", 2)
    assert re.search(r"^\| none \| \d+\.\d\d% \| \d+\.\d\d% \| \d+\.\d\d% \| [\d.]+% \| [\d.]+% \| [\d.]+ min \|$",
                     out, re.MULTILINE), out
    assert (tmp_path / "none.pt").exists()


def test_fast_preset_study(capsys, monkeypatch, tiny_data_dir):
    out = in_process(capsys, monkeypatch, "fast_preset_study.py", "--data-dir", tiny_data_dir)
    rows = re.findall(r"^\| \d+ \| [\d.]+ \| [\d.]+ \| \d \| \d+\.\d\d% \| [\d.]+ \|$", out, re.MULTILINE)
    assert len(rows) == 10, out  # six settings, two of them with three seeds


def test_conv_peak(capsys, monkeypatch):
    out = in_process(capsys, monkeypatch, "conv_peak.py", "--seconds", 6, "--size", 14, "--parts")
    assert re.search(r"^the engine's training step at batch 32: [\d.]+ ms$", out, re.MULTILINE), out
    assert len(re.findall(r"^  conv[12] (forward|backward .*): [\d.]+ ms, \d+ GFLOP/s \(\d+% of the peak\)$", out,
                          re.MULTILINE)) == 4, out
    assert re.search(r"^  everything else .*: -?[\d.]+ ms$", out, re.MULTILINE), out
    assert re.search(r"^peak: a 3 x 3 convolution, forward and backward, [\d.]+ GFLOP in \d+ ms: \d+ GFLOP/s$", out,
                     re.MULTILINE), out
    assert re.search(r"^the tutorial's network: 887 GFLOP a training epoch \(batch 32\)", out, re.MULTILINE), out
    assert re.search(r"^an epoch in 6\.00 s reaches \d+% of the peak$", out, re.MULTILINE), out


def test_insight_bench(capsys, monkeypatch):
    out = in_process(capsys, monkeypatch, "insight_bench.py", "--n", 3, "--fool", 2)
    for name in ("neuron view", "fool search", "probe, in the training thread", "Train page's redraw"):
        assert re.search(rf"^{re.escape(name)}.* p50 +[\d.]+ ms +p95 +[\d.]+ ms +\(n=\d+\)$", out, re.MULTILINE), out
    assert re.search(r"reached the target \d of 2 times", out)


# --- as their own process ------------------------------------------------------------------------------------------


def test_resume_check(own_env, tiny_data_dir):
    """Train, train again killed with SIGKILL after epoch 1, resume what the kill left: the same numbers and
    weights as the run that never stopped."""
    out = own_process(own_env, ["resume_check.py", "--data-dir", tiny_data_dir, "--epochs", 2])
    assert re.search(r"^killed with SIGKILL \(exit -9\) with the state after epoch 1 kept", out, re.MULTILINE), out
    assert "every number the same: True; every weight the same: True" in out, out


def test_thread_speed(own_env, tiny_data_dir):
    out = own_process(own_env, ["thread_speed.py", "--data-dir", tiny_data_dir, "--rounds", 1])
    for way in ("main", "thread", "second", "readers", "readers1"):
        assert re.search(rf"^{way} +mean [\d.]+ s, median [\d.]+ s$", out, re.MULTILINE), out


def test_bench_and_appspeed(own_env, tiny_data_dir):
    """`python -m mnist_demo bench`: both pipelines side by side, the drawing's latency, the app's start and (with
    Chromium) the fast recipe trained in the app with its Train page open, against fit()."""
    run = cli("bench", "--data-dir", tiny_data_dir, "--device", "cpu", "--drawings", 10)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    rows = [line for line in out.splitlines() if line.startswith(("| tutorial |", "| mnist-demo |"))]
    assert len(rows) == 2, out
    assert re.search(r"mnist-demo vs the tutorial's pipeline: train [\d.]+x, test [\d.]+x, train \+ test [\d.]+x", out)
    assert re.search(r"drawing -> probabilities: p50 [\d.]+ ms, p95 [\d.]+ ms \(10 drawings", out)
    assert re.search(r"app: imports [\d.]+ s .* healthy after [\d.]+ s", out)
    assert re.search(r"app vs CLI, fast recipe: [\d.]+ s of training in the app .* [\d.]+x$|app vs CLI: skipped", out,
                     re.MULTILINE), out


def py_spy_works() -> str | None:
    """Why py-spy cannot read another process here (a container without ptrace), or None."""
    from mnist_demo.tools import spy

    if spy.available():
        return spy.available()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        exe = os.path.join(os.path.dirname(sys.executable), "py-spy")
        dump = subprocess.run([exe, "dump", "--pid", str(child.pid)], capture_output=True, text=True, timeout=30)
        return None if dump.returncode == 0 else f"py-spy cannot read another process here: {dump.stderr.strip()}"
    finally:
        child.kill()


def test_load_test(own_env, tiny_data_dir, tmp_path):
    """A few students draw while the teacher's run trains; the run's speed is read off the Train page's progress
    line (a number, not nan: the page's live HTML is still understood). With py-spy, where the server's time went."""
    why = py_spy_works()
    profile = [] if why else ["--profile", tmp_path / "profile"]
    out = own_process(own_env, ["load_test.py", "--data-dir", tiny_data_dir, "--sessions", 2, "--drawings", 2,
                                "--think", 0.2, "--epochs", 30, "--baseline", 1, "--log", tmp_path / "server.log",
                                *profile])
    assert "drawings sent: 4, answered: 4" in out and "errors: 0" in out
    if why is None:  # py-spy saw the training thread and the pages' threads
        assert re.search(r"^server CPU while 2 students drawing .*ms per drawing \(4\)$", out, re.MULTILINE), out
        assert re.search(r"^\| training thread \| [\d.]+ \| - \|$", out, re.MULTILINE), out
    assert re.search(r"run started: Epoch \d+ of 30 · batch \d+ of 19", out), out
    assert re.search(r"training speed: [\d,]+ images/s with no student, [\d,]+ images/s while they drew", out), out


def test_the_load_tests_tab_waits_past_a_run_the_server_began_before_reading_the_drawing():
    """A full run that ends without a digit's prediction is passed over once (the server began it before it read the
    drawing); the drawing's own run is the reading. A second such run is an error, and so is the first for a value
    sent with no digit (a forged one, answered without a prediction)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from mnist_demo.tools.protocol import FINISHED, Tab, _Pending

    def msg(kind: str, body: str = "") -> ForwardMsg:
        m = ForwardMsg()
        if kind == "new_session":
            m.new_session.name = "app"
        elif kind == "finished":
            m.script_finished = FINISHED
        else:
            m.delta.new_element.markdown.body = body
        return m

    def reading(runs: list[list[str]], digit: int | None = 7):
        tab = Tab("ws://127.0.0.1:1/_stcore/stream", "student")
        tab.pending = _Pending(0.0)
        tab.pending.reading.digit = digit
        for body in runs:
            for m in [msg("new_session"), *(msg("delta", b) for b in body), msg("finished")]:
                tab._handle(m, 1.0)
        return tab.pending

    big = '<div style="font-size:9rem">7</div>'
    ours = reading([["Draw a digit"], [big]])
    assert ours.done.is_set() and ours.reading.big == "7" and ours.reading.error == ""
    lost = reading([["Draw a digit"], ["Draw a digit"]])
    assert lost.done.is_set() and lost.reading.error == "no prediction on the page"
    forged = reading([["The drawing could not be read."]], digit=None)  # a value sent with no digit: one run
    assert forged.done.is_set() and forged.reading.error == "no prediction on the page"


def test_load_test_lesson(own_env, tiny_data_dir, tmp_path):
    """Three students follow the teacher through three steps and answer a question: every page follows, every
    answer is confirmed and the teacher's chart counts them all."""
    out = own_process(own_env, ["load_test.py", "--data-dir", tiny_data_dir, "--lesson", "--sessions", 3, "--idle", 1,
                                "--pause", 0.5, "--answer-within", 1, "--log", tmp_path / "server.log"])
    assert "errors: 0" in out, out
    for page in ("gallery", "model", "train"):
        assert re.search(rf"^\| Next -> {page} drawn on a follower's page \| 3 \|", out, re.MULTILINE), out
    assert re.search(r"^\| an answer -> \"Your answer is in\" on the student's page \| 3 \|", out, re.MULTILINE), out
    assert 'the teacher\'s chart said "3 answers"' in out, out


def test_gpu_check_on_the_cpu(own_env, tiny_data_dir, tmp_path):
    """scripts/gpu_check.sh on the CPU: every step but the CUDA tests runs as the GPU machine runs it, and the
    summary says each passed."""
    env = dict(own_env, GPU_CHECK_DEVICE="cpu", GPU_CHECK_EPOCHS="1", PYTHON=sys.executable,
               OUT=str(tmp_path / "out"), MNIST_DEMO_DATA_DIR=str(tiny_data_dir))
    out = own_process(env, ["bash", SCRIPTS / "gpu_check.sh"])
    steps = ["env", "imports", "recipes", "read", "cli", "bench"]
    assert re.findall(r"^=== (\w+): passed after \d+ s$", out, re.MULTILINE) == steps, out
    assert {p.name for p in (tmp_path / "out").iterdir()} == {f"{s}.txt" for s in steps} | {"summary.txt"}
    assert os.path.exists(os.path.join(env["TMPDIR"], "gpu-check-fast.pt"))


# --- Chromium ------------------------------------------------------------------------------------------------------


def test_load_test_validates_the_protocol_against_chromium(own_env, chromium_here, tiny_data_dir, tmp_path):
    out = own_process(own_env, ["load_test.py", "--data-dir", tiny_data_dir, "--validate",
                                "--log", tmp_path / "server.log"])
    assert out.count("SAME") == 2 and "DIFFERENT" not in out, out


def test_insight_bench_in_chromium(own_env, chromium_here, tiny_data_dir):
    out = own_process(own_env, ["insight_bench.py", "--n", 1, "--fool", 1, "--browser", 1, "--data-dir",
                                tiny_data_dir])
    assert re.search(r"^browser: click a position -> its computation shown +p50 +[\d.]+ ms", out, re.MULTILINE), out
    assert re.search(r"^browser: click a digit -> the network fooled, shown +p50 +[\d.]+ ms", out, re.MULTILINE), out


def test_app_cpu(own_env, chromium_here, tiny_data_dir):
    out = own_process(own_env, ["app_cpu.py", "--data-dir", tiny_data_dir, "--runs", 1, "--whole"])
    assert re.search(r"^busy ms in each second: \d+( \d+)*$", out, re.MULTILINE), out
    assert re.search(r"^training [\d.]+ s, wall [\d.]+ s; cores used: Chromium [\d.]+, server [\d.]+$", out,
                     re.MULTILINE), out


def test_readme_screenshots(own_env, chromium_here, tiny_data_dir, tmp_path):
    """Every English page opens as a user sees it (its title, no dialog, no exception), is shot, and a drawing is
    read and a run trains on the way: the script refuses to shoot a page that shows an error."""
    own_process(own_env, ["readme_screenshots.py", tmp_path, "--data-dir", tiny_data_dir, "--no-pause"])
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "screenshot-draw.png", "screenshot-evaluate.png", "screenshot-gallery.png", "screenshot-model.png",
        "screenshot-train-projector.png", "screenshot-train.png"]


def test_insight_screenshots(own_env, chromium_here, real_data, tmp_path):
    """On the real MNIST: the shipped model's "true 9, read as 4" cell, and a quarter of a real epoch."""
    out = own_process(own_env, ["insight_screenshots.py", tmp_path, "--data-dir", real_data])
    names = ["screenshot-architecture.png", "screenshot-evaluate-click.png", "screenshot-fool.png",
             "screenshot-layers.png", "screenshot-neuron.png", "screenshot-watch.png"]
    assert sorted(p.name for p in tmp_path.glob("*.png")) == names
    assert all(f"wrote {tmp_path / name}" in out for name in names)
