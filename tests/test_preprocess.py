import io

import numpy as np
import pytest
from conftest import drawing
from PIL import Image
from scipy import ndimage

from mnist_demo.errors import UnreadableImage
from mnist_demo.reading.preprocess import to_mnist


def bbox(image: np.ndarray) -> tuple[int, int]:
    rows, cols = np.nonzero(image > 0.05)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def test_an_empty_canvas_has_nothing_to_read():
    assert to_mnist(Image.new("L", (280, 280), 0)) is None
    assert to_mnist(Image.new("RGBA", (280, 280), (0, 0, 0, 255))) is None
    assert to_mnist(Image.new("RGBA", (280, 280), (0, 0, 0, 0))) is None
    assert to_mnist(np.full((50, 50), 255, dtype=np.uint8)) is None


def test_mnist_geometry_longest_side_20_and_centre_of_mass_in_the_middle():
    out = to_mnist(drawing(7, box=(0.05, 0.0, 0.45, 0.5)))  # small, in a corner
    assert out.shape == (28, 28) and out.dtype == np.float32 and out.max() == pytest.approx(1, abs=0.05)
    assert max(bbox(out)) in (20, 21, 22)
    cy, cx = ndimage.center_of_mass(out)
    assert abs(cy - 14) < 0.6 and abs(cx - 14) < 0.6


def test_the_aspect_ratio_is_kept():
    out = to_mnist(drawing(1))
    height, width = bbox(out)
    assert height >= 19 and width <= 12


def test_either_polarity_gives_the_same_picture():
    light = to_mnist(drawing(4))
    dark = to_mnist(drawing(4, ink=20, paper=235))
    assert np.abs(light - dark).mean() < 0.02


def test_rgba_with_a_transparent_background_reads_the_strokes():
    for ink in (0, 255):  # black or white strokes on a transparent canvas
        out = to_mnist(drawing(0, mode="RGBA", ink=ink))
        assert out is not None and np.abs(out - to_mnist(drawing(0))).mean() < 0.02


def test_any_size_and_jpeg_photo_with_noise():
    big = drawing(7, size=1200, width=90, ink=30, paper=220)
    noisy = np.asarray(big, dtype=np.float32) + np.random.default_rng(0).normal(0, 12, (1200, 1200))
    buf = io.BytesIO()
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(buf, "JPEG", quality=70)
    out = to_mnist(buf.getvalue())
    assert np.abs(out - to_mnist(drawing(7))).mean() < 0.06


def test_specks_far_from_the_digit_are_ignored():
    clean = to_mnist(drawing(1, box=(0.3, 0.2, 0.7, 0.8)))
    img = drawing(1, box=(0.3, 0.2, 0.7, 0.8))
    for x, y in ((10, 10), (265, 30), (20, 260)):
        img.paste(255, (x, y, x + 4, y + 4))
    assert np.abs(to_mnist(img) - clean).max() < 1e-6


def test_unreadable_bytes_are_named():
    with pytest.raises(UnreadableImage, match="not a readable image"):
        to_mnist(b"GIF89a broken")


def test_an_opaque_picture_with_a_few_transparent_pixels_is_read_by_its_colours():
    img = drawing(1, ink=0, paper=255).convert("RGBA")
    img.putpixel((0, 0), (255, 255, 255, 0))  # a rounded screenshot corner
    assert np.abs(to_mnist(img) - to_mnist(drawing(1))).mean() < 0.02


def test_sixteen_bit_and_palette_images():
    sixteen = Image.fromarray(np.asarray(drawing(7, ink=40, paper=200), dtype=np.uint16) * 257)
    assert sixteen.mode.startswith("I;16")
    assert np.abs(to_mnist(sixteen) - to_mnist(drawing(7))).mean() < 0.03
    palette = drawing(4).convert("P")
    assert np.abs(to_mnist(palette) - to_mnist(drawing(4))).mean() < 0.02
    assert to_mnist(Image.new("L", (1, 1), 0)) is None
