"""One progress bar per search instead of a line per episode; every line also goes to the run's ``search.log``.

Episodes are numbered from 1 wherever a person reads them (the records' ``index`` counts from 0).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from tqdm import tqdm

from paperlib.experiment.records import RunDirectory

BAR_SECONDS = 2.0
"""The least time between two redraws of the bar."""


class DisplayLine:
    """A file for tqdm inside a Jupyter kernel: each redraw replaces one displayed line instead of adding a frame.

    An executed notebook (papermill applies display updates too) then keeps the bar's final line only,
    not every intermediate frame; lines written with ``tqdm.write`` stay as ordinary output above it.
    """

    def __init__(self) -> None:
        from IPython.display import display

        self.text = ""
        self.handle = display({"text/plain": ""}, raw=True, display_id=True)

    def write(self, text: str) -> None:
        """Keep the latest frame of the bar (tqdm separates frames with carriage returns)."""
        frame = text.rsplit("\r", 1)[-1].rstrip("\n")
        if frame.strip():
            self.text = frame
            self.handle.update({"text/plain": self.text}, raw=True)

    def flush(self) -> None:
        """Nothing buffered: every write is shown at once."""


def in_kernel() -> bool:
    """Whether this process is a Jupyter kernel (a notebook being run or executed by papermill)."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


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
            file = DisplayLine() if in_kernel() else None  # None: tqdm's stderr
            self.bar = tqdm(total=total, initial=done, desc=label, unit="episode", mininterval=BAR_SECONDS, file=file)

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
