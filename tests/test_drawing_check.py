"""The drawing check: MNIST test digits redrawn as people draw, and the world's handwriting styles, read by the
shipped model as the Draw page reads them. Runs everywhere, no dataset needed, in well under a minute."""

import json

import numpy as np
import pytest
from conftest import ROOT, open_page, texts
from streamlit.testing.v1 import AppTest

from mnist_demo import checkpoint, handwriting
from mnist_demo.data import load_sample
from mnist_demo.handwriting import drawing_check, style_check
from mnist_demo.reading.inference import is_sure, read, read_many

# Measured with the shipped model on the 500 test digits in assets/ (python scripts/drawing_check.py --sample):
# see docs/results.md. Floors sit under the figures, to catch regressions.
FLOOR, WRONG_SURE_CEILING = 0.97, 0.01

# The style check on its first STYLE_N drawings of each style (seed 0, the canvas hand: the same drawings the full
# check starts with). Floors for the share read right, per style, sit a little under what the shipped model scores
# there (python scripts/style_check.py -n 30); the full figures, 200 a style, are in docs/styles.md.
STYLE_N = 30
STYLE_FLOOR = {name: 0.95 for name, s in handwriting.STYLES.items() if s.digit != handwriting.JUNK}  # all 30 of 30 now
WRONG_SURE_CEILING_STYLES = 0.01  # all digit styles together
JUNK_SURE_CEILING = 0.1  # all junk shapes together: read as a sure digit at most this often (measured: 0 %)


@pytest.fixture(scope="module")
def shipped():
    return checkpoint.load(checkpoint.SHIPPED)


@pytest.fixture(scope="module")
def style_rows(shipped):
    return style_check.check(shipped, STYLE_N, seed=0)


def test_redrawn_digits_are_read_far_better_than_by_plain_resizing(shipped):
    sample = load_sample()
    renderings = drawing_check.build(sample.images.numpy(), sample.labels.numpy(), seed=0)
    assert {r.dark_ink for r in renderings} == {True, False} and any(r.jpeg for r in renderings)
    assert {r.stroke for r in renderings} == set(drawing_check.STROKES)
    score = drawing_check.score(shipped.model, renderings, shipped.feature_stats)
    print(f"drawing check: project {score.project:.1%}, wrong and sure {score.wrong_sure:.1%}, not sure "
          f"{score.unsure:.1%}, plain resize {score.plain:.1%} ({score.n} digits)")
    assert score.n == 500
    assert score.project >= FLOOR and score.wrong_sure <= WRONG_SURE_CEILING
    assert score.plain < 0.6


def test_every_style_reads_right_or_says_not_sure(style_rows):
    print("\n" + style_check.table(style_rows))
    digits, junk = style_check.summary(style_rows)
    low = {r.name: f"{r.share('right'):.0%}" for r in style_rows if r.digit != handwriting.JUNK
           and r.share("right") < STYLE_FLOOR[r.name]}
    assert not low, f"styles read right less often than their floor: {low}"
    assert digits.n == STYLE_N * len(STYLE_FLOOR) and digits.share("wrong") <= WRONG_SURE_CEILING_STYLES
    assert junk.share("wrong") <= JUNK_SURE_CEILING


def test_the_checks_count_exactly_what_the_draw_page_shows(shipped):
    xs, labels, _ = handwriting.as_mnist_batch(2, seed=3, styles=["1-flag", "0-slashed", "junk-box", "junk-smiley"])
    probs, dist = read_many(shipped.model, xs, shipped.feature_stats)
    top, sure, _ = style_check.readings(shipped, xs)
    for i, x in enumerate(xs):
        reading = read(shipped.model, x, shipped.feature_stats)
        assert np.allclose(reading.probabilities, probs[i], atol=1e-5)
        assert reading.sure == sure[i] == is_sure(probs[i].max(), dist[i], shipped.feature_stats.threshold)
        assert reading.top2[0][0] == top[i]


def test_the_table_counts_right_not_sure_and_wrong_per_style_digit_and_junk():
    top = np.array([1, 1, 7, 7, 3])
    sure = np.array([True, False, True, False, True])
    row = style_check._row("1-flag", 1, top, sure, np.ones(5, bool))
    assert (row.n, row.right, row.unsure, row.wrong, row.most_as, row.most_as_n) == (5, 1, 2, 2, 3, 1)
    junk = style_check._row("junk-box", handwriting.JUNK, top, sure, np.ones(5, bool))
    assert (junk.right, junk.unsure, junk.wrong) == (0, 2, 3)  # junk shown as any sure digit is wrong
    digits, all_junk = style_check.summary([row, junk])
    assert (digits.n, digits.wrong, all_junk.wrong) == (5, 2, 3)
    assert [r.name for r in style_check.per_digit([row])] == ["all 1s"]


def test_the_model_page_table_is_the_shipped_models(shipped, tmp_path):
    blob = style_check.read_json()
    assert blob is not None, "assets/drawing_check.json is missing: python scripts/drawing_check.py --json"
    assert blob["test_accuracy"] == shipped.test_accuracy, "the table is another model's: rerun the check"
    assert blob["per_style"] == 200 and blob["seed"] == 0 and blob["mnist_redrawn"]["n"] == 2000
    assert [r.name for r in blob["styles"]] == list(handwriting.STYLES)
    again = style_check.read_json(style_check.write_json(tmp_path / "t.json", blob["styles"], {"checkpoint": "x"}))
    assert again["all_digits"] == blob["all_digits"]
    (tmp_path / "bad.json").write_text(json.dumps({"styles": 3}))
    assert style_check.read_json(tmp_path / "bad.json") is None and style_check.read_json(tmp_path / "no.json") is None


@pytest.mark.usefixtures("fresh_app_state")
def test_the_model_page_shows_where_the_network_is_weak(tiny_data_dir, monkeypatch):
    monkeypatch.setenv("MNIST_DEMO_DATA_DIR", str(tiny_data_dir))
    at = open_page(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run(), "model")
    assert not at.exception
    assert "Handwriting from around the world" in [s.value for s in at.subheader]
    table = at.dataframe[-2].value  # the digit styles; the junk shapes follow
    assert list(table["style"]) == [n for n, s in handwriting.STYLES.items() if s.digit != handwriting.JUNK]
    assert table["drawing"].str.startswith("data:image/png;base64,").all()
    assert "Wrong, and sure" in [m.label for m in at.metric]
    assert "not sure" in texts(at)
