"""``python -m paperlib``: see :mod:`paperlib.cli`."""

import sys

from paperlib.cli import main

if __name__ == "__main__":  # Dask's worker processes are spawned and import this module again
    sys.exit(main())
