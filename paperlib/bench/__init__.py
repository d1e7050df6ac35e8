"""The benchmark (``make bench``): how fast a trial trains, what each method's optimizer costs, how a trial scales.

Nothing here is used by a search; the tests run it tiny (``--quick``) and check structure, never time.
"""

import importlib
from typing import Any

_EXPORTS = {
    "TINY": "paperlib.bench.common",
    "BenchSettings": "paperlib.bench.common",
    "run_bench": "paperlib.bench.run",
}
"""Each public name -> the module that defines it, imported on first use (PEP 562): the command line's parser
(``paperlib.bench.cli``) does not load torch."""

__all__ = ["TINY", "BenchSettings", "run_bench"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
