"""The benchmark (``make bench``): how fast a trial trains, what each method's optimizer costs, how a trial scales.

Nothing here is used by a search; the tests run it tiny (``--quick``) and check structure, never time.
"""

from paperlib.bench.common import TINY, BenchSettings
from paperlib.bench.run import run_bench

__all__ = ["TINY", "BenchSettings", "run_bench"]
