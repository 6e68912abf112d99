import sys

from mnist_demo.cli import main

sys.exit(main())
