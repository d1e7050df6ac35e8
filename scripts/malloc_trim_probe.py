"""Seconds per quick-profile trial with and without Dask's worker setting MALLOC_TRIM_THRESHOLD_=65536.

Dask's nanny spawns every worker with that variable (distributed.nanny.pre-spawn-environ); this runs the
central configuration's full-budget trial N times in a fresh process per setting, alternating, one thread:

    python scripts/malloc_trim_probe.py [N] [REPEATS]      (data from $DATA_DIR; docs/cluster.md#worker-speed)
"""

import os
import statistics
import subprocess
import sys
from pathlib import Path

TRIM = "MALLOC_TRIM_THRESHOLD_"


def child(trials: int) -> None:
    from paperlib.experiment.profiles import QUICK
    from paperlib.lenet.data import load_splits
    from paperlib.lenet.trial import Recipe, run_trial
    from paperlib.space import TABLE2

    splits = load_splits("mnist", Path(os.environ["DATA_DIR"]), QUICK.train_size, QUICK.val_size, QUICK.test_size)
    recipe = Recipe(epochs=QUICK.epochs)
    run_trial(TABLE2.default(), splits, 0.1, 0, recipe)  # warm-up
    print(" ".join(str(run_trial(TABLE2.default(), splits, 1.0, seed, recipe).seconds) for seed in range(trials)))


def main(trials: int, repeats: int) -> None:
    seconds: dict[str, list[float]] = {"unset": [], "65536": []}
    for _ in range(repeats):
        for setting in seconds:
            env = {k: v for k, v in os.environ.items() if k != TRIM} | ({TRIM: setting} if setting != "unset" else {})
            out = subprocess.run([sys.executable, __file__, "--child", str(trials)], env=env, capture_output=True)
            seconds[setting] += [float(s) for s in out.stdout.split()]
    for setting, values in seconds.items():
        print(f"{TRIM}={setting}: median {statistics.median(values):.2f} s over {len(values)} trials")
    print(f"ratio {statistics.median(seconds['65536']) / statistics.median(seconds['unset']):.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(int(sys.argv[2]))
    else:
        main(*(int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (4, 2))
