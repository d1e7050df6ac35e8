"""What ``make reproduce`` did: the searches it ran, those already complete it skipped, and of these how
many verify against the MANIFEST; when it ran none, the command that reruns them into another folder."""

from __future__ import annotations

from pathlib import Path

from paperlib import paths
from paperlib.experiment import manifest
from paperlib.experiment.profiles import Profile


def planned(profile: Profile) -> list[str]:
    """The run directories of a profile's reproduction, relative to its results folder (``make``'s plan)."""
    return [
        paths.RUN_LAYOUT.format(dataset=d, method=m, seed=s)
        for s in profile.seeds
        for d in profile.datasets
        for m in profile.methods
    ]


def summary(out: Path, profile: Profile, ran: int, shown_out: str) -> list[str]:
    """The lines ``make reproduce`` ends with. ``ran``: searches it executed (make knows which it started)."""
    runs = planned(profile)
    skipped = len(runs) - ran
    _, recorded = manifest.read(out)
    current = manifest.digests(out)
    checked = sum(_verifies(recorded, current, run) for run in runs)
    lines = [
        f"{shown_out}: {len(runs)} searches planned: {ran} run now, {skipped} already complete and skipped, "
        f"{checked} of these verified against {shown_out}/MANIFEST."
    ]
    if ran == 0:
        lines += [
            "Nothing was run: these are the recorded results, checked, not reproduced. To rerun every search",
            "into another folder and compare the rerun with them (hours: docs/reviewing.md):",
            f"  make reproduce PROFILE={profile.name} OUT=/tmp/rerun",
            f"  make compare PROFILE={profile.name} RERUN=/tmp/rerun",
            "Quicker checks: make verify (tables and figures rebuilt from the records), make spot-check (trials re-executed).",
        ]
    return lines


def _verifies(recorded: dict[str, str], current: dict[str, str], run: str) -> bool:
    """Whether a search's files are all in the MANIFEST with their recorded sha256, and none is unlisted."""
    mine = {name: digest for name, digest in recorded.items() if name.startswith(run + "/")}
    now = {name: digest for name, digest in current.items() if name.startswith(run + "/")}
    return bool(mine) and mine == now
