"""Many sessions on one server: shared models read from many threads, the run limit, bounded memory."""

from __future__ import annotations

import gc
import io
import threading
import time
import weakref
from contextlib import nullcontext

import numpy as np
import pytest
import torch
from conftest import ROOT, drawing, wait_until
from streamlit.testing.v1 import AppTest

import mnist_demo.runs.run
from mnist_demo import checkpoint
from mnist_demo.data import load_sample, load_split, to_float
from mnist_demo.errors import NotAllowed
from mnist_demo.network import CNN
from mnist_demo.reading.inference import read
from mnist_demo.reading.preprocess import to_mnist
from mnist_demo.runs import MAX_RUNS_ENV, Runs, max_runs
from mnist_demo.runs.queue import RunSlots
from mnist_demo.train import device
from mnist_demo.train.device import one_thread
from mnist_demo.train.loop import EpochStats, EvalResult, Progress, RunResult, train_epoch
from mnist_demo.train.recipes import TrainConfig
from mnist_demo.web import state

pytestmark = pytest.mark.usefixtures("fresh_app_state")  # conftest.py

# --- inference from many threads --------------------------------------------------------------------------------


def _no_state_on(model: torch.nn.Module) -> None:
    """Reading left nothing on the shared model: no gradients, no hooks, still in eval mode."""
    assert all(p.grad is None for p in model.parameters())
    assert not model.training and not any(m.training for m in model.modules())
    for m in model.modules():
        assert not (m._forward_hooks or m._forward_pre_hooks or m._backward_hooks), f"a hook was left on {m}"


def test_read_from_eight_threads_gives_the_single_threaded_readings(tiny_data_dir):
    """Also on one OpenMP thread (train.device.one_thread), as the Draw page reads while a run trains."""
    ckpt = checkpoint.load(checkpoint.SHIPPED)
    model, stats = ckpt.model, ckpt.feature_stats
    sample = load_sample()
    images = [to_float(sample.images[i : i + 1])[0, 0].numpy() for i in range(0, 240, 20)]  # 12 digits
    images.append(to_mnist(np.asarray(drawing(7))))  # and one drawn with a pen
    expected = [read(model, image, stats) for image in images]

    # Meanwhile a training thread trains another network, as when the teacher trains while the class draws.
    other, split = CNN(), load_split("mnist", True, tiny_data_dir)
    optimizer = torch.optim.SGD(other.parameters(), lr=0.01)
    done = threading.Event()

    def train() -> None:
        while not done.is_set():
            train_epoch(other, split, optimizer, TrainConfig(), torch.Generator().manual_seed(0))

    trainer = threading.Thread(target=train, daemon=True)
    trainer.start()

    errors: list[BaseException] = []
    results: dict[tuple[int, int], object] = {}
    barrier = threading.Barrier(8)

    def reader(t: int) -> None:
        try:
            barrier.wait()
            with one_thread() if t % 2 else nullcontext():  # half of them as the Draw page reads, on one thread
                for rep in range(3):
                    for i in np.random.default_rng(t * 10 + rep).permutation(len(images)):
                        results[(t, int(i), rep)] = read(model, images[i], stats)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    done.set()
    trainer.join(timeout=60)

    assert not errors, errors
    assert len(results) == 8 * 3 * len(images)
    for (t, i, _), got in results.items():
        want = expected[i]
        np.testing.assert_array_equal(got.probabilities, want.probabilities)
        np.testing.assert_array_equal(got.saliency, want.saliency)
        # on one thread the distance's sum is added up in another order: equal to seven digits, not bit for bit
        assert got.distance == (pytest.approx(want.distance, rel=1e-6) if t % 2 else want.distance)
        assert got.sure == want.sure
    _no_state_on(model)


def test_one_thread_changes_only_this_thread_and_only_for_the_block():
    process = torch.get_num_threads()
    seen: dict[str, int] = {}
    other = threading.Thread(target=lambda: seen.setdefault("other", torch.get_num_threads()))
    if device._libgomp() is None:
        pytest.skip("PyTorch here does not use GNU OpenMP: one_thread changes nothing")
    with pytest.raises(ValueError), one_thread():
        seen["inside"] = torch.get_num_threads()
        other.start()
        other.join()
        raise ValueError("a forged canvas")  # a page's error inside the block
    assert seen == {"inside": 1, "other": process}  # a thread that trains keeps the process's threads
    assert torch.get_num_threads() == process  # and this thread gets its own back


def test_read_refuses_a_model_in_training_mode_instead_of_switching_it():
    model = CNN()  # nn.Module starts in training mode
    with pytest.raises(ValueError, match="training mode"):
        read(model, np.zeros((28, 28), np.float32))
    assert model.training


# --- the run limit ----------------------------------------------------------------------------------------------


class Gate:
    """A stand-in for train.loop.fit that trains until the test opens its gate."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.entered: list[int] = []

    def __call__(self, config, train_split, test_split, callbacks=(), stop=None, start=None, resume=None):
        self.entered.append(id(threading.current_thread()))
        while not self.open.is_set() and not (stop is not None and stop.is_set()):
            time.sleep(0.01)
        stats = EpochStats(1, 0.5, 1.0, 0.5, 1.0, 0.1, 0.1)
        evaluation = EvalResult(0.5, 1.0, torch.zeros(10_000), torch.zeros(10_000, 10), torch.zeros(10_000))
        for callback in callbacks:
            callback(Progress("epoch", 1, 1, 1, 1, 1.0, 0.5, 1.0, 0.1, stats, evaluation))
        return RunResult(config, CNN().eval(), [stats], "finished")


@pytest.fixture
def gate(monkeypatch):
    g = Gate()
    monkeypatch.setattr(mnist_demo.runs.run, "fit", g)
    yield g
    g.open.set()


@pytest.fixture
def registry(tmp_path) -> Runs:
    return Runs("cpu", checkpoint_dir=tmp_path)


SPLIT = load_sample()


def new_job(registry: Runs):
    return registry.start(TrainConfig(epochs=1), SPLIT, SPLIT, teacher=True)


def test_max_runs_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(MAX_RUNS_ENV, raising=False)
    assert max_runs() == 1
    for raw, want in (("3", 3), (" 2 ", 2), ("0", 1), ("-4", 1), ("many", 1), ("", 1)):
        monkeypatch.setenv(MAX_RUNS_ENV, raw)
        assert max_runs() == want, raw


def test_a_second_start_is_refused_while_a_run_trains_and_the_limit_lets_more_train_at_once(gate, registry,
                                                                                              monkeypatch):
    monkeypatch.delenv(MAX_RUNS_ENV, raising=False)
    a = new_job(registry)
    wait_until(lambda: a.snapshot().state == "running")
    with pytest.raises(NotAllowed, match=r"^Run 1 · Tutorial · SGD 0\.01 is still training: wait for it to end, or "
                                         r"stop it, before starting another\.$"):
        new_job(registry)
    assert registry.all() == [a] and not registry.can_start_now()

    monkeypatch.setenv(MAX_RUNS_ENV, "2")  # two may train at once: the second starts beside the first
    b = new_job(registry)
    wait_until(lambda: b.snapshot().state == "running" and len(gate.entered) == 2)
    assert a.snapshot().state == "running"
    with pytest.raises(NotAllowed, match="Run 2 .* is still training"):
        new_job(registry)

    gate.open.set()
    for job in (a, b):
        job.join(timeout=10)
        assert job.snapshot().state == "finished" and job.model is not None and job.checkpoint_path.exists()
    assert registry.slots.training == 0 and registry.can_start_now()
    new_job(registry).join(timeout=10)  # and once they have ended, Start works again


def test_two_starts_at_the_same_moment_make_one_run(gate, registry, monkeypatch):
    """Two teacher tabs pressing Start within a fraction of a second: one run, and one refusal."""
    monkeypatch.delenv(MAX_RUNS_ENV, raising=False)
    barrier, outcomes = threading.Barrier(8), []

    def press() -> None:
        barrier.wait()
        try:
            outcomes.append(new_job(registry))
        except NotAllowed as exc:
            outcomes.append(exc)

    presses = [threading.Thread(target=press) for _ in range(8)]
    for p in presses:
        p.start()
    for p in presses:
        p.join(timeout=30)
    started = [o for o in outcomes if not isinstance(o, NotAllowed)]
    assert len(outcomes) == 8 and len(started) == 1 and registry.all() == started
    assert all("is still training" in str(o) for o in outcomes if isinstance(o, NotAllowed))


def test_the_slots_let_waiting_owners_train_in_order_and_a_stop_ends_a_wait(monkeypatch):
    """RunSlots, under the runs (a Start is refused before it would wait: the slots still guard the limit)."""
    monkeypatch.delenv(MAX_RUNS_ENV, raising=False)
    slots, never, stop_third = RunSlots(), threading.Event(), threading.Event()
    first, second, third = "first", "second", "third"
    assert slots.acquire(first, never)
    got: list[str] = []

    def wait(owner: str, stop: threading.Event) -> threading.Thread:
        waiter = threading.Thread(target=lambda: got.append(owner) if slots.acquire(owner, stop) else None)
        waiter.start()
        wait_until(lambda: slots.position(owner) is not None)
        return waiter

    waits = [wait(second, never), wait(third, stop_third)]
    assert (slots.position(second), slots.position(third)) == (1, 2)
    stop_third.set()
    slots.wake()
    waits[1].join(timeout=5)
    assert not waits[1].is_alive() and slots.position(third) is None and slots.position(second) == 1
    slots.release(first)
    waits[0].join(timeout=5)
    assert got == [second] and slots.training == 1


# --- bounded memory ---------------------------------------------------------------------------------------------


def finished_job(registry, gate):
    gate.open.set()
    job = new_job(registry)
    job.join(timeout=10)
    return job


def test_trim_keeps_the_newest_models_and_chosen_runs_and_frees_the_rest(gate, registry):
    runs = [finished_job(registry, gate) for _ in range(8)]
    models = {j.id: weakref.ref(j.model) for j in runs}
    evals = {j.id: weakref.ref(j.snapshot().last_eval) for j in runs}
    assert all(ref() is not None for ref in evals.values())
    pin = registry.choose(f"run-{runs[1].id}")  # a session chose run 2 for itself

    touched = registry.trim(keep_models=3, keep_runs=6)
    listed = registry.all()
    kept = {runs[1].id} | {j.id for j in runs[-3:]}
    assert {j.id for j in listed if j.model is not None} == kept
    for job in listed:
        snap = job.snapshot()
        assert snap.history, "the per-epoch table stays for Compare runs"
        if job.id not in kept:
            assert job.released and snap.last_eval is None and job.train_split is None
    assert len(listed) == 6 and runs[1] in listed and runs[0] not in listed and runs[2] not in listed
    assert {j.id for j in touched} == {j.id for j in runs} - kept
    assert all(j.checkpoint_path.exists() for j in runs)  # the released models are still on disk

    del touched, job, snap, listed
    gc.collect()
    for job_id, ref in models.items():
        assert (ref() is not None) == (job_id in kept), f"run {job_id}'s model"
        assert (evals[job_id]() is not None) == (job_id in kept), f"run {job_id}'s test-set readings"

    assert registry.trim(keep_models=3, keep_runs=6) == []  # nothing more to do: stable
    del pin


def test_trim_never_touches_a_run_in_progress(gate, registry, monkeypatch):
    monkeypatch.setenv(MAX_RUNS_ENV, "2")
    for _ in range(2):
        finished_job(registry, gate)
    gate.open.clear()
    running = [new_job(registry) for _ in range(2)]
    wait_until(lambda: all(r.snapshot().state == "running" for r in running))
    registry.trim(keep_models=0, keep_runs=1)
    assert registry.all() == running and not any(r.released for r in running)
    gate.open.set()
    for job in running:
        job.join(timeout=10)


# --- through the app: other sessions see the run and still draw --------------------------------------------------



def session(tiny_data_dir, monkeypatch, page: str | None = None, teacher: bool = True) -> AppTest:
    """An AppTest session; a student's unless `teacher` (AppTest is on the server's machine: the teacher by default)."""
    monkeypatch.setenv("MNIST_DEMO_DATA_DIR", str(tiny_data_dir))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if not teacher:
        at.session_state["teacher"] = False
    at.run()
    return at.switch_page(f"mnist_demo/web/pages/{page}.py").run() if page else at


def sidebar_text(at: AppTest) -> str:
    return "\n".join(i.value for i in at.sidebar.info)


def heavy_values(obj, path: str = "", depth: int = 0, seen: set | None = None) -> list[str]:
    """Paths to tensors, modules or big arrays anywhere inside plain containers and objects."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 8 or isinstance(obj, (str, bytes, int, float, type(None), type)) or callable(obj):
        return []
    seen.add(id(obj))
    if isinstance(obj, (torch.Tensor, torch.nn.Module)) or (isinstance(obj, np.ndarray) and obj.nbytes > 10_000):
        return [f"{path}: {type(obj).__name__}"]
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple, set, frozenset)):
        items = enumerate(obj)
    else:
        fields = getattr(obj, "__dict__", {}) or {s: getattr(obj, s, None) for s in getattr(obj, "__slots__", ())}
        items = fields.items()
    return [hit for k, v in items for hit in heavy_values(v, f"{path}/{k}", depth + 1, seen)]


def test_other_sessions_see_the_run_progress_and_still_draw(tiny_data_dir, monkeypatch):
    import mnist_demo.train.loop

    monkeypatch.delenv(MAX_RUNS_ENV, raising=False)
    original = mnist_demo.train.loop.train_epoch

    def slow_epoch(*args, **kwargs):
        time.sleep(2)
        return original(*args, **kwargs)

    monkeypatch.setattr(mnist_demo.train.loop, "train_epoch", slow_epoch)
    teacher = session(tiny_data_dir, monkeypatch)
    teacher.slider[0].set_value(30)
    next(b for b in teacher.button if b.label == "Start").click()
    teacher.run()
    job = state.runs().all()[-1]
    wait_until(lambda: job.snapshot().progress is not None, timeout=60)

    student = session(tiny_data_dir, monkeypatch, "gallery", teacher=False)
    assert not student.exception and len(student.get("image")) == 20
    text = sidebar_text(student)
    assert f"Training {job.name}: epoch " in text and " of 30." in text
    assert not student.exception

    student = student.switch_page("mnist_demo/web/pages/draw.py").run()
    buf = io.BytesIO()
    drawing(7).save(buf, "PNG")
    student.file_uploader[0].set_value(("seven.png", buf.getvalue(), "image/png"))
    student.run()
    assert not student.exception and ">7</div>" in "".join(m.value for m in student.markdown)
    assert "Training Run" in sidebar_text(student)
    inner = student._session_state._state
    hits = heavy_values({"old": inner._old_state, "new": inner._new_session_state,
                         "widgets": inner._new_widget_state.states})
    assert not hits, f"session state holds tensors or models: {hits}"

    student = student.switch_page("mnist_demo/web/pages/evaluate.py").run()
    assert not student.exception

    # A student's Train page follows the run but has no Start or Stop.
    student = student.switch_page("mnist_demo/web/pages/train.py").run()
    assert not [b for b in student.button if b.label in ("Start", "Stop")]
    assert "The teacher starts and stops the runs" in "".join(c.value for c in student.caption)

    # A second Start meanwhile is refused in one sentence: the run that trains stays the one every page shows.
    split = state.dataset("mnist", True)[0]
    with pytest.raises(NotAllowed, match=r"^Run 1 · Tutorial · SGD 0\.01 is still training: wait for it to end"):
        state.runs().start(TrainConfig(epochs=1, batch_size=64), split, split, teacher=True)
    student = student.switch_page("mnist_demo/web/pages/gallery.py").run()
    assert sidebar_text(student).count("Training Run") == 1 and "waiting" not in sidebar_text(student)
    assert state.runs().all() == [job]
    teacher.run()
    next(b for b in teacher.button if b.label == "Stop").click()
    teacher.run()
    assert not job.running and not teacher.exception


def test_a_chosen_run_keeps_its_model_while_its_session_lives(tiny_data_dir, monkeypatch):
    at = session(tiny_data_dir, monkeypatch)
    split = state.dataset("mnist", True)[0]

    def trained():  # one after the other: a second Start is refused while the first trains
        job = state.runs().start(TrainConfig(epochs=1, batch_size=64), split, split, teacher=True)
        job.join(timeout=120)
        return job

    old, new = trained(), trained()
    at.run()
    assert at.sidebar.selectbox[0].value == "class"  # a finished run does not change what anyone reads with
    assert state.runs().class_key == "shipped"
    at.sidebar.selectbox[0].set_value(f"run-{old.id}")  # this student reads with the older run
    at.run()
    assert state.runs().pinned() == {old.id}

    registry = state.runs()
    registry.trim(keep_models=0)
    assert old.model is not None, "a run chosen by a live session keeps its model"
    assert new.released and new.model is None
    at.run()
    assert at.sidebar.selectbox[0].value == f"run-{old.id}" and not at.exception

    del at  # the session ends: its pin goes with its session state
    gc.collect()
    assert registry.pinned() == set()
    registry.trim(keep_models=0)
    assert old.released and old.model is None
    assert all(r.model is None for r in registry.all()), "no run's weights stay in memory"
    assert set(registry.models()) == {"shipped", f"run-{old.id}", f"run-{new.id}"}  # read back when chosen


def test_a_run_keeps_about_a_hundred_reports_an_epoch_for_its_curves(registry, monkeypatch, splits):
    """Reports come ten times a second, a few batches apart: the run keeps the newest of each hundredth of an epoch,
    so the curves' running line grows through the epoch (it once kept only the latest report, and the line was a dot)
    and the progress bar still shows the newest."""
    def reporting_fit(config, train_split, test_split, callbacks=(), stop=None, start=None, resume=None):
        for batch in range(1, 1001):  # a 1000-batch epoch, a report every batch
            for callback in callbacks:
                callback(Progress("batch", 1, 1, batch, 1000, 2.3 - batch / 1000, batch / 1000, 1000.0, batch / 100))
        return RunResult(config, None, [], "stopped", "Stopped by the user during epoch 1.")

    monkeypatch.setattr(mnist_demo.runs.run, "fit", reporting_fit)
    run = registry.start(TrainConfig(epochs=1, device="cpu"), *splits, teacher=True)
    run.join(timeout=30)
    snap = run.snapshot()
    xs = [e.x for e in snap.events]
    assert 100 <= len(xs) <= 101 and xs == sorted(xs)
    assert snap.progress.batch == 1000 and snap.version >= 1000  # the newest report, and every one counted
    assert max(b - a for a, b in zip(xs, xs[1:])) < 0.012  # no gap in the line much wider than a hundredth
