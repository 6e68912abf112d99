"""The class set: the class's own handwriting, kept in one SQLite file.

After the network reads a drawing, the student taps "Right" or "Wrong, it is a D" and the 28 x 28 image the network
saw joins the class set with its true label. The teacher can then export it (MNIST's IDX format, or a zip of PNGs
one folder per digit with a labels.csv), import another class's set, delete entries, or fine-tune on it.

    checks.py    what a saved digit is and the checks on every way in
    store.py     ClassSet: the SQLite file (WAL, schema version, one short connection per call)
    transfer.py  export (IDX, zip) and reading an import; unpack.py checks and decodes what an import holds
"""

from mnist_demo.classset.checks import DB_ENV, DRAWING_SIZE, INK_FLOOR, SIZE, Images, Row, default_path, sha_of
from mnist_demo.classset.store import SCHEMA_VERSION, ClassSet
from mnist_demo.classset.transfer import IDX_IMAGES, IDX_LABELS
from mnist_demo.errors import ClassSetError

__all__ = ["DB_ENV", "DRAWING_SIZE", "IDX_IMAGES", "IDX_LABELS", "INK_FLOOR", "SCHEMA_VERSION", "SIZE", "ClassSet",
           "ClassSetError", "Images", "Row", "default_path", "sha_of"]
