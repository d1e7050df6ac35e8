"""paperlib installs like a library: ranged core requirements that cover what the library imports, extras for
the rest, the artifact's exact lock inside those ranges, and a wheel that holds the package alone.
The wheel installed into fresh environments on every Python is ``make test-wheel`` (scripts/wheel_check.py)."""

import ast
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions

import pytest
from packaging.requirements import Requirement

from paperlib.paths import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
CORE = [Requirement(r) for r in PYPROJECT["dependencies"]]
EXTRAS = {name: [Requirement(r) for r in reqs] for name, reqs in PYPROJECT["optional-dependencies"].items()}
TOOLS = {"pytest", "pytest-xdist", "ruff", "build", "papermill", "nbformat", "nbconvert", "ipykernel", "jupyterlab"}
"""Test, formatting and notebook tools: never a core requirement."""
LIBRARY = ["paperlib/errors.py", "paperlib/paths.py", "paperlib/space.py", "paperlib/lenet", "paperlib/tuners"]
LIBRARY += ["paperlib/experiment"]
"""What ``run_search``, ``run_trial``, the tuners and a recorded search import."""
OPTIONAL_IMPORTS = {"optuna": "optuna", "distributed": "dask", "dask": "dask", "IPython": "notebooks"}
"""Imports of the library that an extra provides (each imported only where its feature is used)."""


def name(requirement):
    return requirement.name.lower().replace("_", "-")


def pins(path):
    """``{name: version}`` of a requirements file's ``name==version`` lines."""
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            requirement = Requirement(line)
            out[name(requirement)] = next(iter(requirement.specifier)).version
    return out


def test_core_requirements_are_ranges_and_hold_no_tool():
    for requirement in CORE:
        operators = {spec.operator for spec in requirement.specifier}
        assert operators == {">=", "<"}, f"{requirement}: a range with a floor and a ceiling, not a pin"
    assert not TOOLS & {name(r) for r in CORE}
    assert {"optuna", "dask", "notebooks", "dev"} <= set(EXTRAS)
    in_extras = {name(r) for extra in EXTRAS.values() for r in extra}
    assert TOOLS - in_extras == set()


def test_requires_python_admits_the_lock_and_the_newer_pythons():
    spec = Requirement(f"python{PYPROJECT['requires-python']}").specifier
    assert all(spec.contains(v) for v in ("3.10.13", "3.11.7", "3.12.1", "3.13.0"))


def test_the_artifacts_lock_lies_inside_every_range():
    lock = pins(ROOT / "requirements.txt")
    for requirement in CORE + [r for extra in EXTRAS.values() for r in extra if name(r) != "paperlib"]:
        assert name(requirement) in lock, f"{requirement} is not in the lock"
        assert requirement.specifier.contains(lock[name(requirement)]), (
            f"the lock's {lock[name(requirement)]} vs {requirement}"
        )
    direct = set(pins(ROOT / "requirements.in"))
    declared = {name(r) for r in CORE} | {name(r) for extra in EXTRAS.values() for r in extra}
    assert direct - declared == set(), "a direct need of the artifact that no requirement or extra names"


def third_party_imports(paths):
    for entry in paths:
        path = ROOT / entry
        for module in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    yield from (alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    yield node.module.split(".")[0]


def test_every_import_of_the_library_is_a_core_requirement_or_an_extras():
    distributions = packages_distributions()
    core = {name(r) for r in CORE}
    missing = set()
    for top in set(third_party_imports(LIBRARY)) - set(sys.stdlib_module_names) - {"paperlib"}:
        if top in OPTIONAL_IMPORTS:
            assert OPTIONAL_IMPORTS[top] in EXTRAS
            continue
        provided = {d.lower().replace("_", "-") for d in distributions.get(top, [top])}
        if not provided & core:
            missing.add(top)
    assert missing == set(), f"imported by the library, not a core requirement: {sorted(missing)}"


def test_the_artifacts_environment_installs_the_lock_then_the_package_without_its_ranges():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -r requirements.txt" in makefile
    assert "--no-deps" in makefile.split("-r requirements.txt", 1)[1].split("touch $@")[0]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel, built from a copy of the package (the checkout stays clean) with this environment's setuptools."""
    source = tmp_path_factory.mktemp("source")
    for entry in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / entry, source / entry)
    shutil.copytree(ROOT / "paperlib", source / "paperlib", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(source)]
    subprocess.run(command, check=True, capture_output=True)
    (built,) = dist.glob("paperlib-*.whl")
    return built


def test_the_wheel_holds_the_package_alone_with_its_ranges_and_extras(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "paperlib").rglob("*.py"))
    assert sorted(n for n in names if n.endswith(".py")) == sources
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "results/", "scripts/"))]
    requires = [line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Requires-Dist: ")]
    core = {str(Requirement(r)) for r in requires if "extra ==" not in r}
    assert core == {str(r) for r in CORE}
    assert {line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Provides-Extra: ")} == set(
        EXTRAS
    )
