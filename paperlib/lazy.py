"""Package re-exports imported on first use (PEP 562), so that importing a light module of a package (as
``python -m paperlib relink`` does) does not load the torch-, scikit-learn- or hpbandster-loading ones."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A package's module-level ``__getattr__``: each public name in ``names`` from the module that defines it."""

    def __getattr__(name: str) -> Any:
        if name in names:
            return getattr(importlib.import_module(names[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
