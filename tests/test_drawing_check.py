"""The drawing check on the 500 MNIST test digits shipped in assets/: runs everywhere, no dataset needed."""

from mnist_demo import checkpoint
from mnist_demo.data import load_sample
from mnist_demo.tools import drawcheck

# Measured with the shipped model: 99.4 % for the project's path, 38.8 % for plain resizing
# (python scripts/drawing_check.py --sample). The floor sits a few points under, to catch regressions.
FLOOR = 0.96


def test_redrawn_digits_are_read_far_better_than_by_plain_resizing():
    sample = load_sample()
    renderings = drawcheck.build(sample.images.numpy(), sample.labels.numpy(), seed=0)
    assert {r.dark_ink for r in renderings} == {True, False} and any(r.jpeg for r in renderings)
    assert {r.stroke for r in renderings} == set(drawcheck.STROKES)
    score = drawcheck.score(checkpoint.load(checkpoint.SHIPPED).model, renderings)
    print(f"drawing check: project {score.project:.1%}, plain resize {score.plain:.1%} ({score.n} digits)")
    assert score.n == 500
    assert score.project >= FLOOR
    assert score.plain < 0.6
