"""Seconds per quick-profile trial with and without Dask's worker setting MALLOC_TRIM_THRESHOLD_=65536.

Dask's nanny spawns every worker with that variable (distributed.nanny.pre-spawn-environ); this times the
central configuration's full-budget trial in a fresh single-thread process per setting, alternating, with
the executor benchmark's own timing (paperlib.bench.executor.timed_trial_processes):

    python scripts/malloc_trim_probe.py [TRIALS] [REPEATS]      (data from $DATA_DIR; docs/cluster.md#worker-speed)
"""

import os
import statistics
import sys

from paperlib import paths
from paperlib.bench.executor import timed_trial_processes
from paperlib.experiment.profiles import QUICK

TRIM = "MALLOC_TRIM_THRESHOLD_"


def main(trials: int = 4, repeats: int = 2) -> None:
    seconds: dict[str, list[float]] = {"unset": [], "65536": []}
    for _ in range(repeats):
        for setting in seconds:
            os.environ.pop(TRIM, None)
            if setting != "unset":
                os.environ[TRIM] = setting  # a spawned process starts with this environment
            seconds[setting] += [s / trials for s in timed_trial_processes(paths.data_dir(), QUICK, 1, trials)]
    for setting, values in seconds.items():
        print(f"{TRIM}={setting}: median {statistics.median(values):.2f} s per trial over {len(values)} processes")
    print(f"ratio {statistics.median(seconds['65536']) / statistics.median(seconds['unset']):.2f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
