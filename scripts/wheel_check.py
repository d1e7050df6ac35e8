"""The wheel as a practitioner meets it (``make test-wheel``): built, installed alone, run on every Python given.

Builds the sdist and the wheel (``python -m build``), then for each interpreter: a fresh virtual environment,
``pip install paperlib-*.whl`` (the core requirements only), no notebook or test tool installed, the practitioner's
path (``scripts/practitioner.py core``), then the ``optuna`` extra and a study driven by ``MAPPOSampler``. With
``--lowest`` it also installs the lowest versions ``pyproject.toml`` allows of numpy, scipy, torch, torchvision and
scikit-learn first, as a user's existing environment, and checks that installing the wheel keeps them. Prints a
table and a JSON summary; exits 1 when any interpreter that ``requires-python`` admits fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_IN_CORE = {
    "pytest", "pytest-xdist", "ruff", "build", "papermill", "nbformat", "nbconvert", "ipykernel", "ipython",
    "jupyterlab", "jupyter-server", "jupyter-client", "notebook", "optuna", "dask", "distributed", "matplotlib",
}  # fmt: skip
"""Tools of the notebooks, the tests and the extras: none may come with the core requirements."""
LOWEST = ["numpy==2.1.3", "scipy==1.13.0", "scikit-learn==1.6.1", "torch==2.13.0", "torchvision==0.28.0"]
"""A user's existing environment at the low end of the ranges (torch 2.13.0 is the CPU build where one is at hand)."""


ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
"""The environment of every command: no PYTHONPATH, so each venv imports only what was installed into it."""


def run(command: list[str], log: Path, cwd: Path | None = None) -> str:
    """Run ``command``, append its output to ``log``; raise with the output's last line when it fails."""
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(map(str, command))}\n")
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=ENV)
    with log.open("a") as out:
        out.write(done.stdout + done.stderr)
    if done.returncode != 0:
        lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        raise RuntimeError(lines[-1] if lines else f"exit {done.returncode}")
    return done.stdout


def build(dist: Path, log: Path) -> Path:
    """sdist and wheel of this checkout into ``dist``; the wheel's path."""
    run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], log)
    (sdist,) = dist.glob("paperlib-*.tar.gz")
    (wheel,) = dist.glob("paperlib-*.whl")
    assert sdist.stat().st_size > 0
    return wheel


def installed(python: Path) -> dict[str, str]:
    """``{normalized name: version}`` of what an environment holds."""
    listing = subprocess.run([python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True, env=ENV)
    return {re.sub(r"[-_.]+", "-", p["name"]).lower(): p["version"] for p in json.loads(listing.stdout)}


def check_interpreter(interpreter: str, wheel: Path, work: Path, lowest: bool) -> dict:
    """One interpreter through the whole path; a dict of what happened (``ok`` False with the failing step)."""
    tag = "lowest" if lowest else Path(interpreter).name
    venv, log = work / f"venv-{tag}", work / f"{tag}.log"
    report: dict = {"interpreter": interpreter, "lowest": lowest, "log": str(log)}
    step = "venv"
    try:
        run([interpreter, "-m", "venv", str(venv)], log)
        python = venv / "bin" / "python"
        report["python"] = run([python, "-c", "import platform; print(platform.python_version())"], log).strip()
        pip = [python, "-m", "pip", "install", "--quiet"]
        if lowest:
            step = "lowest versions"
            run([*pip, *LOWEST], log)
            before = {name.split("==")[0]: installed(python)[name.split("==")[0]] for name in LOWEST}
        step = "install the wheel"
        start = time.perf_counter()
        run([*pip, str(wheel)], log)
        report["install_s"] = round(time.perf_counter() - start, 1)
        have = installed(python)
        step = "no notebook or test tool"
        extra = sorted(NOT_IN_CORE & set(have))
        assert not extra, f"the core requirements installed {extra}"
        if lowest:
            step = "versions kept"
            after = {name: have[name] for name in before}
            assert after == before, f"installing the wheel changed {before} to {after}"
        step = "practitioner (core)"
        report["core"] = json.loads(run([python, str(ROOT / "scripts" / "practitioner.py"), "core"], log, cwd=work))
        step = "install the optuna extra"
        run([*pip, f"{wheel}[optuna]"], log)
        step = "practitioner (optuna)"
        report["optuna"] = json.loads(run([python, str(ROOT / "scripts" / "practitioner.py"), "optuna"], log, cwd=work))
        report["ok"] = True
    except (RuntimeError, AssertionError, OSError) as failure:
        report |= {"ok": False, "step": step, "error": str(failure)}
    return report


def admitted(interpreter: str) -> bool:
    """Whether ``requires-python`` (read from pyproject.toml) admits the interpreter's version."""
    spec = re.search(r'requires-python = ">=3\.(\d+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    minor = subprocess.run(
        [interpreter, "-c", "import sys; print(sys.version_info[1])"], capture_output=True, text=True, env=ENV
    )
    return int(minor.stdout) >= int(spec)


def discover() -> list[str]:
    """Every CPython 3.10-3.14 that runs here: ``python3.N`` on PATH, else pyenv's (whose shims run only the selected ones)."""
    found = []
    root = (
        subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
        if shutil.which("pyenv")
        else ""
    )
    for minor in range(10, 15):
        candidates = [shutil.which(f"python3.{minor}")] + sorted(
            Path(root).glob(f"versions/3.{minor}.*/bin/python3.{minor}")
        )
        for candidate in filter(None, candidates):
            if subprocess.run([candidate, "-c", "pass"], capture_output=True, env=ENV).returncode == 0:
                found.append(str(candidate))
                break
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pythons", nargs="*", help="interpreters to test (default: every Python 3.10-3.14 found)")
    parser.add_argument(
        "--lowest", action="store_true", help="also the lowest-versions environment, on this interpreter"
    )
    parser.add_argument("--work", type=Path, help="where the venvs and logs go (default: a temporary folder, removed)")
    parser.add_argument("--json", type=Path, help="write the summary here too")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="paperlib-wheel-"))
    work.mkdir(parents=True, exist_ok=True)
    wheel = build(work / "dist", work / "build.log")
    reports = [check_interpreter(p, wheel, work, False) for p in args.pythons or discover()]
    if args.lowest:
        reports.append(check_interpreter(sys.executable, wheel, work, True))
    for r in reports:
        what = "lowest versions" if r["lowest"] else r["interpreter"]
        outcome = f"ok (install {r['install_s']} s)" if r["ok"] else f"FAILED at {r['step']}: {r['error']}"
        print(f"{what:<45} {r.get('python', '?'):<8} {outcome}")
    summary = json.dumps(reports, indent=1)
    if args.json:
        args.json.write_text(summary)
    print(summary)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return int(any(not r["ok"] and admitted(r["interpreter"]) for r in reports))


if __name__ == "__main__":
    sys.exit(main())
