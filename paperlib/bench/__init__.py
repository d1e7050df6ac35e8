"""The benchmark (``make bench``): how fast a trial trains, what each method's optimizer costs, how a trial scales.

Nothing here is used by a search; the tests run it tiny (``--quick``) and check structure, never time.
"""

from paperlib import lazy

_EXPORTS = {
    "TINY": "paperlib.bench.common",
    "BenchSettings": "paperlib.bench.common",
    "run_bench": "paperlib.bench.run",
}
"""Each public name -> the module that defines it (:mod:`paperlib.lazy`)."""

__all__ = ["TINY", "BenchSettings", "run_bench"]
__getattr__ = lazy.exports(__name__, _EXPORTS)
