"""Profiles as data: how much data, how many epochs, episodes and seeds a reproduction uses."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from paperlib.errors import ProfileError, TunerError, check_int, check_number, check_seed
from paperlib.lenet.names import DATASETS
from paperlib.tuners.base import METHODS

EQUAL_COMPUTE = {"equal_compute": True}
"""Hyperband's and BOHB's option for as many full-budget equivalents as the others (docs/decisions.md#hyperband-iterations)."""
FIRST_RETRAINING_SEED = 1000
"""Training seeds of the incumbent's retrainings start here, the same for every search, and never a search seed
(docs/decisions.md#expected-accuracy)."""


def retraining_seeds(count: int) -> tuple[int, ...]:
    """The first ``count`` retraining seeds."""
    return tuple(range(FIRST_RETRAINING_SEED, FIRST_RETRAINING_SEED + count))


def check_search_seed(seeds: Any, retrainings: int, error: type[Exception]) -> None:
    """Refuse a search seed that is also a retraining seed: a retraining would repeat one of the search's trials."""
    clash = sorted(set(seeds) & set(retraining_seeds(retrainings)))
    if clash:
        raise error(
            f"search seed {clash[0]} is one of the retraining seeds {FIRST_RETRAINING_SEED}-"
            f"{FIRST_RETRAINING_SEED + retrainings - 1}; choose another seed"
        )


ARMS: dict[str, tuple[str, dict[str, Any]]] = {
    **{method: (method, {}) for method in METHODS},
    "hyperband_equal_compute": ("hyperband", EQUAL_COMPUTE),
    "bohb_equal_compute": ("bohb", EQUAL_COMPUTE),
}
"""A reproduction's rows by run-directory name: the method and its tuner options (the paper's six, then equal compute)."""


@dataclass(frozen=True)
class Profile:
    """One reproduction scale. Every run records the profile it used (``run.json``)."""

    name: str
    """Profile name (``smoke``, ``quick``, ``paper``)."""
    train_size: int | None
    """Training images per trial, a stratified subset of the training split (None: all 55,000)."""
    val_size: int | None
    """Validation images scored per trial, a stratified subset of the validation split (None: all 5,000)."""
    test_size: int | None
    """Test images for the final score (None: all 10,000; only the smoke profile cuts them)."""
    epochs: float
    """Training epochs of a full-budget trial (budget 1.0); Hyperband and BOHB train fractions of it."""
    episodes: int
    """Evaluations per search (docs/paper.md#reading-5; the paper's 200)."""
    seeds: tuple[int, ...]
    """Independent search seeds per (method, dataset)."""
    datasets: tuple[str, ...] = ("mnist", "fashion_mnist")
    """Datasets reproduced (Tables 3 and 4)."""
    methods: tuple[str, ...] = ("random", "anneal", "tpe", "hyperband", "bohb", "mappo")
    """Rows reproduced (names of :data:`ARMS`), in the order of the paper's tables."""
    retrainings: int = 10
    """R: fresh training seeds the incumbent is retrained with for its expected test accuracy (docs/decisions.md#expected-accuracy)."""

    def __post_init__(self) -> None:
        what = f"profile {self.name!r}:"
        for field_name in ("train_size", "val_size", "test_size"):
            if getattr(self, field_name) is not None:
                check_int(getattr(self, field_name), f"{what} {field_name}", ProfileError, minimum=10)
        check_number(self.epochs, f"{what} epochs", ProfileError, positive=True)
        check_int(self.episodes, f"{what} episodes", ProfileError, minimum=1)
        if not self.seeds:
            raise ProfileError(f"{what} seeds must be a non-empty tuple of integers, got {self.seeds!r}")
        for seed in self.seeds:
            check_seed(seed, f"{what} seed", ProfileError)
        check_int(self.retrainings, f"{what} retrainings", ProfileError, minimum=1)
        check_search_seed(self.seeds, self.retrainings, ProfileError)
        for value, known, what in ((self.datasets, DATASETS, "dataset"), (self.methods, ARMS, "method")):
            unknown = [v for v in value if v not in known]
            if not value or unknown:
                raise ProfileError(
                    f"profile {self.name!r}: unknown {what} {unknown[0] if unknown else None!r}; choose from {list(known)}"
                )

    @property
    def retraining_seeds(self) -> tuple[int, ...]:
        """The training seeds of the incumbent's R retrainings: 1000, 1001, ..."""
        return retraining_seeds(self.retrainings)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for run records."""
        return asdict(self)

    @property
    def run_settings(self) -> dict[str, Any]:
        """The fields that change what one run computes (its episodes are checked on their own): part of its identity."""
        return {name: getattr(self, name) for name in RUN_SETTINGS}


RUN_SETTINGS = ("train_size", "val_size", "test_size", "epochs")
"""Profile fields a run directory must match to be resumed; seeds, datasets and methods choose runs, not what one computes."""


SMOKE = Profile(
    "smoke", train_size=1000, val_size=500, test_size=1000, epochs=1, episodes=13, seeds=(0,), retrainings=2
)
"""Seconds per search: for tests and CI. Numbers it produces mean nothing. 13 episodes is the
smallest Hyperband run at eta 3 (one bracket: 9 + 3 + 1); MAPPO samples but does not reach its first
update (20 episodes), which the tests exercise separately. Two retrainings keep the tests fast."""

QUICK = Profile(
    "quick",
    train_size=6000,
    val_size=2000,
    test_size=None,
    epochs=1,
    episodes=200,
    seeds=tuple(range(10)),
    methods=tuple(ARMS),
)
"""The whole pipeline, 200 episodes per search, ten seeds of every row: hours on a 2-core CPU (docs/costs.md)."""

PAPER = Profile(
    "paper",
    train_size=None,
    val_size=None,
    test_size=None,
    epochs=10,
    episodes=200,
    seeds=(0, 1, 2),
    methods=tuple(ARMS),
)
"""The paper's scale: full data, 200 episodes, three seeds. A GPU is recommended."""

PROFILES: dict[str, Profile] = {p.name: p for p in (SMOKE, QUICK, PAPER)}


@dataclass(frozen=True)
class Slice:
    """A registered subset of one profile's searches, planned and committed on its own.

    Its runs are the profile's runs (they record the profile, lie under ``results/<profile>/`` and count
    towards the whole profile later); ``make reproduce PROFILE=<profile>-slice`` runs just these.
    """

    name: str
    """Plan name, ``<profile>-slice`` (the Makefile derives the results folder from it)."""
    profile: str
    """The profile whose settings every run of the slice uses."""
    datasets: tuple[str, ...]
    """Datasets of the slice, a subset of the profile's."""
    methods: tuple[str, ...]
    """Rows of the slice (names of :data:`ARMS`), a subset of the profile's."""
    seeds: tuple[int, ...]
    """Search seeds of the slice, a subset of the profile's."""

    def __post_init__(self) -> None:
        if self.name != f"{self.profile}-slice":
            raise ProfileError(f"slice {self.name!r}: its name must be {self.profile + '-slice'!r}")
        whole = PROFILES[self.profile]
        for what in ("datasets", "methods", "seeds"):
            outside = [v for v in getattr(self, what) if v not in getattr(whole, what)]
            if outside or not getattr(self, what):
                raise ProfileError(
                    f"slice {self.name!r}: {what} must be a non-empty subset of profile {self.profile!r}'s"
                )


PAPER_SLICE = Slice("paper-slice", "paper", datasets=("mnist",), methods=("random", "mappo", "hyperband"), seeds=(0,))
"""The paper's scale, first run (docs/decisions.md#paper-slice): MNIST, search seed 0, and the rows that bound
the time claim (random search, MAPPO, Hyperband as the paper ran it). About 10 CPU-hours on one core."""

SLICES: dict[str, Slice] = {PAPER_SLICE.name: PAPER_SLICE}
"""Registered slices by plan name."""


def planned_searches(name: str) -> tuple[Profile, tuple[str, ...], tuple[str, ...], tuple[int, ...]]:
    """What ``make reproduce PROFILE=name`` runs: the profile and its datasets, rows and seeds (a slice's subset)."""
    if name in SLICES:
        cut = SLICES[name]
        return PROFILES[cut.profile], cut.datasets, cut.methods, cut.seeds
    profile = get_profile(name)
    return profile, profile.datasets, profile.methods, profile.seeds


def get_profile(name: str) -> Profile:
    """The profile called ``name``, or read from ``name`` when it is a ``.json`` file of Profile fields.

    An unknown name or a malformed file is a :class:`ProfileError` naming the problem.
    """
    if name in PROFILES:
        return PROFILES[name]
    if not name.endswith(".json"):
        raise ProfileError(f"unknown profile {name!r}; choose one of {list(PROFILES)} or give a .json file")
    return profile_from_file(Path(name))


def profile_from_file(path: Path) -> Profile:
    """A custom profile from a JSON object with the fields of :class:`Profile`."""
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProfileError(f"cannot read profile file {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ProfileError(f"profile file {path} is not valid JSON ({error})") from None
    if not isinstance(spec, dict):
        raise ProfileError(f"profile file {path} must hold a JSON object of profile fields")
    known = {f.name for f in fields(Profile)}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise ProfileError(f"profile file {path}: unknown field {unknown[0]!r}; the fields are {sorted(known)}")
    for key in ("seeds", "datasets", "methods"):
        if isinstance(spec.get(key), list):
            spec[key] = tuple(spec[key])
    try:
        return Profile(**spec)
    except TypeError as error:
        raise ProfileError(f"profile file {path}: {error}") from None


def arm_options(method: str, equal_compute: bool = False) -> dict[str, Any]:
    """The tuner options of a baseline row: none for the paper's plan, :data:`EQUAL_COMPUTE` for Hyperband or BOHB."""
    if not isinstance(equal_compute, bool):
        raise TunerError(f"equal_compute must be True or False, got {equal_compute!r}")
    if equal_compute and method not in ("hyperband", "bohb"):
        raise TunerError(f"equal_compute applies to hyperband and bohb only, not {method!r}")
    return dict(EQUAL_COMPUTE) if equal_compute else {}


def arm_name(method: str, tuner_options: dict[str, Any]) -> str:
    """The run-directory name of a method with these options (``hyperband_equal_compute``); the method's own otherwise."""
    for name, (arm_method, options) in ARMS.items():
        if (arm_method, options) == (method, dict(tuner_options)):
            return name
    return method
