"""Layers point down: the library's lower layers (space, LeNet, tuners) never import the layers built on them."""

import ast
import subprocess
import sys

import pytest

from paperlib.paths import ROOT

LOWER = ["paperlib/errors.py", "paperlib/paths.py", "paperlib/space.py", "paperlib/lenet", "paperlib/tuners"]
"""What ``run_search``, ``run_trial`` and the tuners are made of."""
UPPER = ("paperlib.experiment", "paperlib.report", "paperlib.bench", "paperlib.cli")
"""Layers that drive the lower ones (a recorded search, its report, the benchmarks, the command line)."""


def imported_modules(path):
    """Every module ``path`` imports, at any depth (a function's lazy import counts too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def lower_modules():
    for entry in LOWER:
        path = ROOT / entry
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


@pytest.mark.parametrize("path", list(lower_modules()), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_lower_module_imports_an_upper_layer(path):
    upward = sorted({m for m in imported_modules(path) if m.startswith(UPPER)})
    assert upward == [], f"{path.relative_to(ROOT)} imports {upward}"


def test_the_scan_sees_a_lazy_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def run():\n    from paperlib.experiment.executor import Inline\n")
    assert "paperlib.experiment.executor" in set(imported_modules(module))


def test_a_search_runs_without_loading_the_experiment_layer():
    script = (
        "import sys\n"
        "from paperlib import run_search\n"
        "from paperlib.tuners.testfunctions import get_test_function\n"
        "f = get_test_function('branin')\n"
        "r = run_search('mappo', f, episodes=4, seed=0, space=f.space, config={'rollout_episodes': 2})\n"
        "assert len(r.history) == 4\n"
        "print(sorted(m for m in sys.modules if m.startswith(('paperlib.experiment', 'paperlib.report'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_command_line_parses_without_loading_torch():
    """`make reproduce` runs `python -m paperlib relink`, `plan`, `summary` and `manifest` around every search: their
    parser, and those light commands, load no torch, scikit-learn, Dask or hpbandster (each took about 4 s to start)."""
    heavy = ("torch", "sklearn", "distributed", "hpbandster", "matplotlib")
    script = (
        "import sys\n"
        "from paperlib.cli import build_parser\n"
        "build_parser().parse_args(['plan', '--profile', 'smoke'])\n"
        "from paperlib.experiment import manifest, profiles\n"
        "from paperlib.report import notebook\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    # The lazy re-exports still resolve: the package names the library documents.
    from paperlib.bench import TINY
    from paperlib.experiment import make_experiment
    from paperlib.lenet import load_splits
    from paperlib.report import build_report

    assert callable(make_experiment) and callable(load_splits) and callable(build_report) and TINY.repeats
