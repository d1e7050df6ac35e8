"""One recorded experiment: a (method, dataset, profile, seed) search on LeNet, resumable from its run directory.

``profiles``: data sizes, epochs, episodes; ``run``: the search as named steps; ``records``: the only
writer of results; ``provenance``: what ``run.json`` says the run ran on.
"""

from paperlib import lazy

_EXPORTS = {
    "PROFILES": "paperlib.experiment.profiles",
    "Profile": "paperlib.experiment.profiles",
    "get_profile": "paperlib.experiment.profiles",
    "Experiment": "paperlib.experiment.run",
    "make_experiment": "paperlib.experiment.run",
    "run_experiment": "paperlib.experiment.run",
}
"""Each public name -> the module that defines it (:mod:`paperlib.lazy`)."""

__all__ = ["PROFILES", "Experiment", "Profile", "get_profile", "make_experiment", "run_experiment"]
__getattr__ = lazy.exports(__name__, _EXPORTS)
