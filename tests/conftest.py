"""Shared fixtures. Tests read the datasets from DATA_DIR (CI: ../shared/data) and never download."""

from __future__ import annotations

import gc
import os

import pytest
import torch

from paperlib import paths
from paperlib.lenet.data import DATASETS, RAW_FILES, Splits, raw_folder


def pytest_configure(config):
    """Under pytest-xdist (`make test` runs two workers per core) each worker computes with one torch thread: two
    workers each spinning up two OpenMP threads on two cores made the MAPPO learning tests 20-40x slower."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        torch.set_num_threads(1)


@pytest.fixture(scope="session")
def data_root():
    """The dataset root; `make test` has checked or fetched both datasets there before pytest starts."""
    root = paths.data_dir()
    missing = [
        str(raw_folder(root, n) / f) for n in DATASETS for f in RAW_FILES if not (raw_folder(root, n) / f).is_file()
    ]
    if missing:
        pytest.fail(f"dataset file {missing[0]} is missing: run `make data DATA_DIR=...` or set DATA_DIR")
    return root


@pytest.fixture()
def tiny_splits():
    """A learnable synthetic 10-class problem in the real tensor layout (class = brightest quadrant pattern)."""
    generator = torch.Generator().manual_seed(0)

    def make(n):
        labels = torch.arange(n) % 10
        images = torch.randn(n, 1, 28, 28, generator=generator) * 0.3
        for c in range(10):
            images[labels == c, 0, c * 2 : c * 2 + 6, c * 2 : c * 2 + 6] += 2.0
        return images, labels

    train, val, test = make(400), make(200), make(200)
    return Splits("tiny", *train, *val, *test)


@pytest.fixture(autouse=True, scope="session")
def _holm_without_a_full_garbage_collection():
    """statsmodels' Holm adjustment ends with ``gc.collect()`` (statsmodels 0.15, ``multitest.py``), which takes
    seconds in a test process holding torch and every test's objects, for each verdict of every report a test
    builds. In tests it is skipped inside that call only: collecting garbage changes no number."""
    from paperlib.report import verdicts

    original = verdicts.multipletests

    def multipletests(*args, **kwargs):
        collect, gc.collect = gc.collect, lambda *generation: 0
        try:
            return original(*args, **kwargs)
        finally:
            gc.collect = collect

    verdicts.multipletests = multipletests
    yield
    verdicts.multipletests = original
