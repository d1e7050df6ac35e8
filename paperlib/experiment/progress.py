"""One progress bar per search instead of a line per episode; every line also goes to the run's ``search.log``.

Episodes are numbered from 1 wherever a person reads them (the records' ``index`` counts from 0).
"""

from __future__ import annotations

from collections.abc import Callable

from tqdm import tqdm

from paperlib.experiment.records import RunDirectory

BAR_SECONDS = 2.0
"""The least time between two redraws of the bar, so an executed notebook keeps a few dozen, not hundreds."""


class SearchProgress:
    """The episodes of one search as a tqdm bar (or as lines to ``echo``), each line logged in the run directory."""

    def __init__(
        self, run_dir: RunDirectory, label: str, total: int, done: int, echo: Callable[[str], None] | None = None
    ) -> None:
        self.run_dir = run_dir
        self.label = label
        self.echo = echo
        self.bar = None
        if echo is None:
            self.bar = tqdm(total=total, initial=done, desc=label, unit="episode", mininterval=BAR_SECONDS)

    def episode(self, line: str, best: float) -> None:
        """One finished episode: logged, and the bar advanced (its postfix shows the best score so far)."""
        self.run_dir.append_log(f"{self.label} {line}")
        if self.bar is None:
            self.echo(f"{self.label} {line}")
        else:
            self.bar.set_postfix_str(f"best {best:.4f}", refresh=False)
            self.bar.update()

    def note(self, line: str) -> None:
        """A step of the search (resume, final test, done): logged, and shown above the bar."""
        self.run_dir.append_log(f"{self.label} {line}")
        if self.bar is None:
            self.echo(f"{self.label} {line}")
        else:
            self.bar.write(f"{self.label} {line}")

    def close(self) -> None:
        """Draw the bar's final state and release it."""
        if self.bar is not None:
            self.bar.close()
