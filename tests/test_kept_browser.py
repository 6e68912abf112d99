"""The lesson survives `kill -9` of the server, in a real browser: the teacher trains a run and chooses it for the
class, the server is killed with SIGKILL and started again on the same files; a student's page then reads with that
run as the class model, and the teacher's Train page shows it with its curves and table.

Skipped like every browser test when Chromium or Playwright is missing (a failure under
MNIST_DEMO_REQUIRE_BROWSER=1). Screenshots go to $MNIST_DEMO_SCREENSHOTS (default: the test's tmp_path).
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

from test_classroom import button, model_choice, recipe, sidebar

from mnist_demo.paths import DATA_DIR_ENV, RUNS_DIR_ENV
from mnist_demo.tools.browser import assert_no_exception, screenshot, tab, wait_for_run
from mnist_demo.tools.serve import AppServer

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips or fails
    expect = None

CODE = "kept-test-code"
RUN_MS = 120_000  # one epoch of the fast recipe on 600 digits, on a busy 2-core CPU


def serve(env: dict, log: Path) -> AppServer:
    # no file watcher: nothing changes under test, and watching .venv floods inotify on a small machine
    return AppServer(env, ["--server.fileWatcherType", "none"], log, timeout=90)


def test_the_class_model_and_the_runs_survive_sigkill_of_the_server(browser, tiny_data_dir, shots, tmp_path):
    env = dict(os.environ, **{DATA_DIR_ENV: str(tiny_data_dir), RUNS_DIR_ENV: str(tmp_path / "runs"),
                              "MNIST_DEMO_CLASS_DB": str(tmp_path / "class.db"), "MNIST_DEMO_TEACHER_CODE": CODE,
                              "MNIST_DEMO_LOCAL_TEACHER": "0"})
    first = serve(env, tmp_path / "first.log")
    try:
        teacher = tab(browser, f"{first.url}/?teacher={CODE}")
        expect(teacher.get_by_text("No run yet")).to_be_visible()
        recipe(teacher, "Fast")
        wait_for_run(teacher)
        button(teacher, "Start").click()
        expect(teacher.get_by_text(re.compile(r"^Finished in"))).to_be_visible(timeout=RUN_MS)
        name = teacher.locator("h3").first.inner_text().strip()
        assert re.fullmatch(r"Run 1 · Fast · Adam 0\.016 · \d+\.\d %", name), name
        button(teacher, "Use this run for the class").click()
        expect(model_choice(teacher)).to_have_value("The class model")
        expect(sidebar(teacher).get_by_text(name, exact=True)).to_be_visible(timeout=10_000)
        teacher.context.close()
    finally:
        if first.process.poll() is None:
            os.killpg(first.process.pid, signal.SIGKILL)  # no shutdown, no flush: as a power cut of the app
        first.process.wait(timeout=30)
    assert first.process.returncode == -signal.SIGKILL

    with serve(env, tmp_path / "second.log") as second:
        student = tab(browser, second.url)
        expect(student.get_by_text("The teacher starts and stops the runs")).to_be_visible()
        expect(model_choice(student)).to_have_value("The class model")
        expect(sidebar(student).get_by_text(name, exact=True)).to_be_visible()  # the model read with, under the box
        expect(sidebar(student).get_by_text(re.compile(r"Test accuracy \d+\.\d\d% on mnist"))).to_be_visible()
        student.screenshot(path=str(shots / "kept-student.png"))
        assert_no_exception(student)

        teacher = tab(browser, f"{second.url}/?teacher={CODE}")
        expect(teacher.locator("h3").first).to_have_text(name)
        expect(teacher.get_by_text("The class reads with this model.")).to_be_visible()
        chart = teacher.get_by_test_id("stPlotlyChart").filter(has_text="Accuracy")  # an ended run's curves
        expect(chart).to_be_visible(timeout=20_000)  # the page's first Plotly chart: its 4.7 MB bundle loads first
        drawn = chart.evaluate("(c) => c.querySelector('.js-plotly-plot').data.map((d) => [d.name, d.x, d.y])")
        assert [(n, x) for n, x, _ in drawn] == [("Training", [1])] * 2 + [("Test", [1])] * 2, drawn  # acc, loss
        accuracy = f"{drawn[2][2][0]:.1%}".replace("%", " %")
        assert name.endswith(f" · {accuracy}"), ("yesterday's test accuracy, as the run left it", drawn, name)
        expect(teacher.locator('[data-testid="stDataFrame"]').first).to_be_visible()
        teacher.get_by_text("Saved runs").click()
        expect(teacher.get_by_text(re.compile(r"^Runs kept on disk: 1, 0\.\d MB in all\.$"))).to_be_visible()
        screenshot(teacher, shots / "kept-teacher.png")
        assert_no_exception(teacher)
        for page in (teacher, student):
            page.context.close()
