"""One recorded experiment: a (method, dataset, profile, seed) search on LeNet, resumable from its run directory.

``profiles``: data sizes, epochs, episodes; ``run``: the search as named steps; ``records``: the only
writer of results; ``provenance``: what ``run.json`` says the run ran on.
"""

from paperlib.experiment.profiles import PROFILES, Profile, get_profile
from paperlib.experiment.run import Experiment, make_experiment, run_experiment

__all__ = ["PROFILES", "Experiment", "Profile", "get_profile", "make_experiment", "run_experiment"]
