"""The repository stands alone and keeps its shape: one error base the CLI reports, small modules, no outside paths."""

import inspect
import re

import pytest

from paperlib import cli, errors
from paperlib.paths import ROOT

PRODUCT = ["README.md", "CITATION.cff", "results/REPORT.md", "notebooks/*.ipynb", "notebooks/*.md", "docs/*.md"]
"""What a user reads, besides the library's own source."""


def product_files():
    files = [path for pattern in PRODUCT for path in ROOT.glob(pattern)]
    return files + sorted((ROOT / "paperlib").rglob("*.py"))


def test_nothing_a_user_reads_points_outside_the_repository():
    offending = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in product_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\.\./shared|PAPER\.md", line)
    ]
    assert offending == []


def test_every_paper_reading_the_code_cites_exists_in_docs():
    paper = (ROOT / "docs" / "paper.md").read_text(encoding="utf-8")
    decisions = (ROOT / "docs" / "decisions.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', paper + decisions))
    assert {f"reading-{n}" for n in range(1, 10)} <= anchors
    cited = set()
    for path in product_files():
        text = path.read_text(encoding="utf-8")
        cited |= set(re.findall(r"(?:paper|decisions)\.md#([a-z0-9-]+)", text))
    assert cited and cited <= anchors, sorted(cited - anchors)


def test_every_user_error_is_a_paperlib_error():
    classes = [obj for _, obj in inspect.getmembers(errors, inspect.isclass) if issubclass(obj, Exception)]
    assert len(classes) >= 7
    assert all(issubclass(cls, errors.PaperlibError) for cls in classes)


@pytest.mark.parametrize("error", [errors.DataError, errors.SpaceError, errors.HpBandSterError])
def test_the_cli_reports_any_paperlib_error_in_one_line(monkeypatch, capsys, error):
    def fail(args):
        raise error("what went wrong, named")

    monkeypatch.setattr(cli, "_data", fail)
    assert cli.main(["data"]) == 2
    assert capsys.readouterr().err == "error: what went wrong, named\n"


def test_checks_name_the_value_and_refuse_bools():
    assert errors.check_int(3, "seed", errors.TunerError) == 3
    with pytest.raises(errors.TunerError, match="seed must be an integer, got True"):
        errors.check_int(True, "seed", errors.TunerError)
    with pytest.raises(errors.ProfileError, match="episodes must be a positive integer, got 0"):
        errors.check_int(0, "episodes", errors.ProfileError, minimum=1)
    with pytest.raises(errors.SpaceError, match="x must be a positive number, got -1.5"):
        errors.check_number(-1.5, "x", errors.SpaceError, positive=True)


def test_no_module_is_longer_than_350_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "paperlib").rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 350
    }
    assert long == {}
