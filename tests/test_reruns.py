"""A rerun never rewrites committed results: a fresh clone's `make reproduce` executes nothing and leaves git clean."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from paperlib import paths
from paperlib.errors import RecordError
from paperlib.experiment import manifest
from paperlib.experiment.profiles import QUICK


def git(cwd, *args):
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def test_the_committed_quick_results_match_their_manifest():
    manifest.check(paths.RESULTS / "quick")
    commands, recorded = manifest.read(paths.RESULTS / "quick")
    assert "make reproduce PROFILE=quick" in commands
    assert "tables/table3_mnist.csv" in recorded and "runs/mnist/mappo/seed0/trials.jsonl" in recorded


def test_the_manifest_names_what_changed_and_is_rewritten_only_then(tmp_path):
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "run.json").write_text("{}")
    (tmp_path / "table.csv").write_text("a,b\n")
    (tmp_path / "search.part.ipynb").write_text("being executed")
    (tmp_path / ".lock").write_text("host 1")
    assert manifest.write(tmp_path, "make one") is True
    assert manifest.result_files(tmp_path) == ["runs/run.json", "table.csv"]
    manifest.check(tmp_path)
    before = (tmp_path / "MANIFEST").read_bytes()
    assert manifest.write(tmp_path, "make two") is False and (tmp_path / "MANIFEST").read_bytes() == before

    (tmp_path / "table.csv").write_text("a,b\n1,2\n")
    (tmp_path / "new.png").write_bytes(b"png")
    (tmp_path / "runs" / "run.json").unlink()
    with pytest.raises(
        RecordError, match=r"does not verify: changed: table.csv; missing: runs/run.json; unlisted: new"
    ):
        manifest.check(tmp_path)
    assert manifest.write(tmp_path, "make two") is True
    manifest.check(tmp_path)
    assert manifest.read(tmp_path)[0] == ["make one", "make two"]


def test_fresh_clone_reproduce_executes_nothing_and_leaves_git_clean(tmp_path, data_root):
    """A real clone whose code and notebooks are newer than its results, and whose environment is newer still."""
    listed = git(paths.ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")
    source = tmp_path / "source"
    for name in filter(None, listed):
        if (paths.ROOT / name).is_file():  # a file deleted but not yet committed is not part of the tree
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(paths.ROOT / name, source / name)
    git(source, "init", "-q")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "snapshot")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(source), str(clone))
    # Every file, then code and notebooks, then the environment, each a minute newer, all in the past: an
    # environment dated in the future would keep make regenerating the plan it includes until the clock caught up.
    earlier = time.time() - 180
    for path in clone.rglob("*"):  # the environment's own prerequisites too (requirements.txt, pyproject.toml)
        if ".git" not in path.relative_to(clone).parts:
            os.utime(path, (earlier, earlier))
    for folder in ("paperlib", "notebooks"):
        for path in (clone / folder).rglob("*"):
            os.utime(path, (earlier + 60, earlier + 60))
    installed = tmp_path / "installed"
    installed.touch()
    os.utime(installed, (earlier + 120, earlier + 120))
    before = {p: p.stat().st_mtime_ns for p in (clone / "results").rglob("*.ipynb")}

    command = ["make", "reproduce", f"DATA_DIR={data_root}", f"PY={sys.executable}", f"INSTALLED={installed}"]
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(command, cwd=clone, capture_output=True, text=True, env=env | {"PYTHONPATH": str(clone)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "papermill" not in done.stdout + done.stderr and "pip install" not in done.stdout
    assert "MANIFEST unchanged" in done.stdout
    planned = len(QUICK.seeds) * len(QUICK.datasets) * len(QUICK.methods)  # 160: ten seeds of 8 rows x 2 datasets
    assert f"searches planned: 0 run now, {planned} already complete and skipped, {planned} of these verified" in (
        done.stdout
    )
    assert "make reproduce PROFILE=quick OUT=/tmp/rerun" in done.stdout  # what it did not do, and how to
    assert git(clone, "status", "--porcelain") == ""
    # The paper-scale slice too: its three searches are complete, its tables and figures as in its MANIFEST.
    done = subprocess.run(
        [*command, "PROFILE=paper-slice"],
        cwd=clone,
        capture_output=True,
        text=True,
        env=env | {"PYTHONPATH": str(clone)},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "papermill" not in done.stdout + done.stderr and "MANIFEST unchanged" in done.stdout
    assert "searches planned: 0 run now, 3 already complete and skipped, 3 of these verified" in done.stdout
    assert git(clone, "status", "--porcelain") == ""
    executed = {p for p, mtime in before.items() if p.stat().st_mtime_ns != mtime}
    assert executed <= {clone / "results" / profile / "tables_and_figures.ipynb" for profile in ("quick", "paper")}
