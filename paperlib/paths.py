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
RUN_LAYOUT = "runs/{dataset}/{method}/seed{seed}"
"""Where one search's run directory sits inside a profile's results folder."""


def from_root(path: str | os.PathLike) -> Path:
    """``path`` as an absolute path; a relative one is taken from the repository root."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else (ROOT / path).resolve()


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The dataset root: ``explicit`` if given, else the ``DATA_DIR`` environment variable, else ``data/``.

    A relative ``DATA_DIR`` is taken from the repository root, so it means the same in a notebook.
    """
    return from_root(explicit if explicit not in (None, "") else os.environ.get("DATA_DIR") or DEFAULT_DATA)


def profile_results(profile: str, explicit: str | os.PathLike | None = None) -> Path:
    """``results/<profile>/`` (or ``explicit``): run records, executed notebooks, tables and figures of one profile."""
    return from_root(explicit) if explicit not in (None, "") else RESULTS / profile


def runs_dir(profile: str, explicit: str | os.PathLike | None = None) -> Path:
    """The folder of a profile's run directories: ``explicit`` if given, else ``results/<profile>/runs/``."""
    return from_root(explicit) if explicit not in (None, "") else RESULTS / profile / "runs"


def run_dir(profile: str, dataset: str, method: str, seed: int, explicit: str | os.PathLike | None = None) -> Path:
    """One search's run directory: ``explicit`` if given, else ``results/<profile>/runs/<dataset>/<method>/seed<k>/``."""
    if explicit not in (None, ""):
        return from_root(explicit)
    return RESULTS / profile / RUN_LAYOUT.format(dataset=dataset, method=method, seed=seed)
