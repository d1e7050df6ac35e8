"""Every path the project uses, from the repository root (never the working directory: papermill changes it)."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository root."""
NOTEBOOKS = ROOT / "notebooks"
"""The parameterized notebooks papermill executes."""
RESULTS = ROOT / "results"
"""Generated outputs: ``results/<profile>/`` per profile, ``results/bench/`` for the benchmark."""
DEFAULT_DATA = ROOT / "data"
"""Where datasets live (and are downloaded to) when ``DATA_DIR`` is not set."""


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The dataset root: ``explicit`` if given, else the ``DATA_DIR`` environment variable, else ``data/``.

    A relative ``DATA_DIR`` is taken from the repository root, so it means the same in a notebook.
    """
    chosen = explicit if explicit not in (None, "") else os.environ.get("DATA_DIR") or DEFAULT_DATA
    path = Path(chosen).expanduser()
    return path if path.is_absolute() else (ROOT / path).resolve()


def profile_results(profile: str) -> Path:
    """``results/<profile>/``: run records, executed notebooks, tables and figures of one profile."""
    return RESULTS / profile
