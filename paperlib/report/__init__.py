"""The report: Tables 3-4 and the figures, rebuilt from run records."""

import importlib
from typing import Any

_EXPORTS = {
    "build_report": "paperlib.report.build",
    "load_runs": "paperlib.report.runs",
    "describe_run": "paperlib.report.tables",
}
"""Each public name -> the module that defines it, imported on first use (PEP 562): importing a light
module of this package (e.g. from ``python -m paperlib relink``) does not load torch."""

__all__ = ["build_report", "describe_run", "load_runs"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
