"""``python -m paperlib readme``: the README's verdict block is written from, and checked against, verdicts.md."""

import pytest

from paperlib import cli
from paperlib.report.readme import BEGIN, END, readme_block, verdict_table

VERDICTS = "The rule, in prose.\n\n| dataset | verdict |\n|---|---|\n| mnist | inconclusive |\n"


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "verdicts.md").write_text(VERDICTS, encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{BEGIN}\n\n| dataset | verdict |\n| mnist | typed by hand |\n\n{END}\n\nAfter.\n")
    return tmp_path, readme


def test_the_table_is_the_lines_that_start_with_a_bar(folder):
    out, _ = folder
    assert verdict_table(out) == "| dataset | verdict |\n|---|---|\n| mnist | inconclusive |"
    assert readme_block(f"a\n{BEGIN}\n\n| x |\n|---|\n\n{END}\nb") == "| x |\n|---|"


def test_check_fails_on_a_stale_block_and_write_makes_it_pass(folder, capsys):
    out, readme = folder
    arguments = ["readme", "--out", str(out), "--readme", str(readme)]
    assert cli.main(arguments) == 1
    assert "differs" in capsys.readouterr().out
    assert cli.main([*arguments, "--write"]) == 0
    text = readme.read_text(encoding="utf-8")
    assert readme_block(text) == "| dataset | verdict |\n|---|---|\n| mnist | inconclusive |"
    assert text.startswith("# Title\n\n") and text.endswith(f"{END}\n\nAfter.\n") and "typed by hand" not in text
    assert "The rule, in prose." not in text  # the table only; the rule stays in verdicts.md
    assert cli.main(arguments) == 0
    assert cli.main([*arguments, "--write"]) == 0 and readme.read_text(encoding="utf-8") == text  # idempotent


@pytest.mark.parametrize(
    "readme_text, message",
    [
        ("no markers at all\n", "once each"),
        (f"{END}\n{BEGIN}\n", "before"),
        (f"{BEGIN}\n{BEGIN}\n{END}\n", "once each"),
    ],
)
def test_markers_missing_or_out_of_order_are_one_line_errors(folder, capsys, readme_text, message):
    out, readme = folder
    readme.write_text(readme_text, encoding="utf-8")
    assert cli.main(["readme", "--out", str(out), "--readme", str(readme), "--write"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and message in error and error.count("\n") == 1
    assert readme.read_text(encoding="utf-8") == readme_text  # nothing written


def test_a_results_folder_without_verdicts_is_refused(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"{BEGIN}\n{END}\n", encoding="utf-8")
    assert cli.main(["readme", "--out", str(tmp_path), "--readme", str(readme)]) == 2
    assert "verdicts.md" in capsys.readouterr().err
