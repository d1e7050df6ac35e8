"""The practitioner's path, run inside a fresh environment that holds only the installed wheel (``scripts/wheel_check.py``).

``python practitioner.py core``: ``run_search`` with MAPPO (grid and continuous heads) and the five baselines on a
test function, and ``run_trial`` on a few random images; ``python practitioner.py optuna``: an Optuna study driven
by ``MAPPOSampler``. Prints one JSON line: the versions it ran with and what it checked. Uses only the installed
``paperlib`` (run it from outside the repository).
"""

from __future__ import annotations

import json
import math
import platform
import sys
from importlib import metadata

CHEAP = {"rollout_episodes": 4, "update_epochs": 2}
"""MAPPO settings small enough for a check (three updates in 12 episodes)."""


def check_search() -> dict:
    """MAPPO with both kinds of head and every baseline find finite scores; the same seed gives the same search."""
    from paperlib import TABLE2, run_search
    from paperlib.tuners.testfunctions import get_test_function

    assert len(TABLE2) > 0
    problem = get_test_function("branin")
    out = {}
    for heads in ("grid", "continuous"):
        runs = [run_search("mappo", problem, 12, 0, problem.space, heads=heads, config=CHEAP) for _ in range(2)]
        configs = [[dict(o.suggestion.config) for o in r.history] for r in runs]
        assert configs[0] == configs[1], f"MAPPO ({heads}) is not reproducible"
        assert len(runs[0].history) == 12 and math.isfinite(runs[0].best_score)
        out[f"mappo_{heads}"] = round(problem.regret(runs[0].best_score), 4)
    for method in ("random", "anneal", "tpe", "hyperband", "bohb"):
        result = run_search(method, problem, 13, 0, problem.space)  # 13: one whole Hyperband iteration
        assert len(result.history) == 13 and math.isfinite(result.best_score), method
        out[method] = round(problem.regret(result.best_score), 4)
    return out


def check_trial() -> dict:
    """One LeNet trained and scored on 96 random images (no dataset needed)."""
    import torch

    from paperlib import TABLE2, run_trial
    from paperlib.lenet.data import Splits

    g = torch.Generator().manual_seed(0)

    def images(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.randn(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g)

    splits = Splits("mnist", *images(64), *images(16), *images(16))
    result = run_trial(TABLE2.default(), splits, budget=1.0, seed=0, evaluate_test=True)
    assert 0.0 <= result.val_accuracy <= 1.0, result
    return {"trial_status": result.status, "trial_val_accuracy": result.val_accuracy}


def check_optuna() -> dict:
    """A minimizing Optuna study driven by MAPPOSampler: every trial is MAPPO's, one policy update."""
    import optuna

    from paperlib.tuners.optuna_sampler import MAPPOSampler

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -5.0, 5.0)
        n = trial.suggest_int("n", 1, 64, log=True)
        kind = trial.suggest_categorical("kind", ["a", "b"])
        return (x - 1.0) ** 2 + math.log2(n) + (kind == "b")

    sampler = MAPPOSampler(seed=0, config={"rollout_episodes": 5, "update_epochs": 2})
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=12)
    assert math.isfinite(study.best_value)
    assert sampler.tuner.updates >= 1, sampler.tuner.updates
    return {
        "optuna": metadata.version("optuna"),
        "best_value": round(study.best_value, 4),
        "updates": sampler.tuner.updates,
    }


def versions() -> dict:
    names = ("numpy", "scipy", "torch", "scikit-learn", "hyperopt", "hpbandster", "ConfigSpace")
    return {"python": platform.python_version()} | {name: metadata.version(name) for name in names}


def main(what: str) -> None:
    import paperlib

    assert "site-packages" in paperlib.__file__, f"paperlib comes from {paperlib.__file__}, not the installed wheel"
    checks = check_search() | check_trial() if what == "core" else check_optuna()
    print(json.dumps(versions() | checks))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "core")
