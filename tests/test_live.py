"""What the Train page redraws during a run (web/live.py): curves on fixed axes, a running line from the first
batches, per-epoch points that tell their values, words in the page's language, and the progress line."""

import math
import xml.etree.ElementTree as ET

import pytest

from mnist_demo.train.loop import EpochStats, Progress
from mnist_demo.web import i18n, live


def events(epochs_done: int, batches_into_next: int, epochs: int = 5, loss=lambda x: 2.3 * math.exp(-3 * x)):
    """Reports as a run keeps them: ten batch reports an epoch, an epoch report at each epoch's end."""
    out = []
    for epoch in range(1, epochs_done + 2):
        for batch in range(100, 1001 if epoch <= epochs_done else batches_into_next * 100 + 1, 100):
            x = epoch - 1 + batch / 1000
            out.append(Progress("batch", epoch, epochs, batch, 1000, loss(x), 1 - 0.9 * math.exp(-3 * x), 3000.0, x))
        if epoch <= epochs_done:
            stats = EpochStats(epoch, 0.9 + epoch / 100, 0.3 / epoch, 0.91 + epoch / 100, 0.25 / epoch, 10.0, 1.0)
            out.append(Progress("epoch", epoch, epochs, 1000, 1000, 0.3, 0.9, 3000.0, 11.0 * epoch, stats=stats))
    return out


def parse(html: str) -> ET.Element:
    return ET.fromstring(f"<root>{html}</root>")


def panels(html: str) -> tuple[ET.Element, ET.Element]:
    accuracy, loss = parse(html).iter("svg")
    return accuracy, loss


def tick_labels(panel: ET.Element) -> list[str]:
    return [t.text for t in panel.iter("text")]


def test_the_axes_stay_put_while_a_run_trains():
    """From the third batch report to the fourth epoch the axes and their labels do not change: nothing jumps."""
    first, later = live.learning_curves(events(0, 3), 5), live.learning_curves(events(3, 7), 5)
    for before, after in zip(panels(first), panels(later)):
        assert tick_labels(before) == tick_labels(after)
    accuracy, loss = panels(first)
    assert ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"] == [t for t in tick_labels(accuracy) if "%" in t]
    assert {"0", "0.5", "1", "1.5", "2", "2.5"} <= set(tick_labels(loss))
    assert [str(e) for e in range(6)] == [t for t in tick_labels(accuracy) if t.isdigit()]  # epochs 0 to 5


def test_the_running_line_grows_within_the_epoch_and_starts_afresh_each_epoch():
    def running(html):
        accuracy, _ = panels(html)
        return [p.get("points").split() for p in accuracy.iter("polyline") if p.get("class") == "running"]

    three, six = running(live.learning_curves(events(0, 3), 5)), running(live.learning_curves(events(0, 6), 5))
    assert len(three) == 1 and len(six[0]) == 6 and six[0][:3] == three[0]
    assert len(running(live.learning_curves(events(2, 4), 5))) == 3  # one line per epoch begun


def test_each_epoch_is_a_point_that_tells_its_value():
    accuracy, loss = panels(live.learning_curves(events(2, 1), 5))
    said = [c.find("title").text for c in accuracy.iter("circle")]
    assert said == ["Training, epoch 1: 91.0%", "Training, epoch 2: 92.0%", "Test, epoch 1: 92.0%",
                    "Test, epoch 2: 93.0%"]
    assert [c.find("title").text for c in loss.iter("circle") if c.get("class") == "test"] == [
        "Test, epoch 1: 0.250", "Test, epoch 2: 0.125"]


def test_a_loss_that_explodes_widens_the_loss_axis_and_nan_is_left_out():
    exploding = events(0, 5, loss=lambda x: [2.3, 3.0, 9.0, math.nan, math.inf][int(x * 10) - 1])
    accuracy, loss = panels(live.learning_curves(exploding, 5))
    assert "8" in tick_labels(loss) and "10" not in tick_labels(loss)  # 0 to 9 x 1.05, in steps of 2
    line = next(p for p in loss.iter("polyline") if p.get("class") == "running").get("points").split()
    assert len(line) == 3  # 2.3, 3.0, 9.0: the NaN and the infinity are not drawn
    bottom = max(float(p.split(",")[1]) for p in line)
    assert all(0 <= float(p.split(",")[1]) <= bottom for p in line)


@pytest.mark.parametrize("epochs, ticks", [(1, ["0", "1"]), (40, [str(e) for e in range(0, 41, 5)])])
def test_the_epoch_axis_reads_at_any_length(epochs, ticks):
    accuracy, _ = panels(live.learning_curves(events(0, 2, epochs), epochs))
    assert [t for t in tick_labels(accuracy) if t.isdigit()] == ticks


def test_the_words_are_in_the_pages_language(monkeypatch):
    monkeypatch.setattr(i18n, "language", lambda: "zh")
    html = live.learning_curves(events(1, 2), 5)
    words = {t.text for t in parse(html).iter() if t.text and not t.text[0].isdigit()}
    assert {"准确率", "损失"} <= words, words
    assert not {"Accuracy", "Loss", "epoch", "Training", "Test"} & words


def test_the_progress_line_says_where_the_run_stands():
    p = Progress("batch", 2, 3, 100, 400, 0.1234, 0.9512, 3210.0, 30.0)
    root = parse(live.progress(p, "1 min 05 s"))
    text = " ".join(root.itertext())
    assert "Epoch 2 of 3 · batch 100 of 400 · 3,210 images/s · about 1 min 05 s left" in text
    assert "Training accuracy 95.1%" in text and "Training loss 0.123" in text
    bar = next(e for e in root.iter() if e.get("role") == "progressbar")
    assert bar.get("aria-valuenow") == "42"  # a quarter of the second epoch of three
    assert "<i>" not in live.progress(p, "<i>soon</i>")  # what it is given is text, not HTML
