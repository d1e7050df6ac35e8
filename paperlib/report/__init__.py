"""The report: Tables 3-4 and the figures, rebuilt from run records."""

from paperlib import lazy

_EXPORTS = {
    "build_report": "paperlib.report.build",
    "load_runs": "paperlib.report.runs",
    "describe_run": "paperlib.report.tables",
}
"""Each public name -> the module that defines it (:mod:`paperlib.lazy`)."""

__all__ = ["build_report", "describe_run", "load_runs"]
__getattr__ = lazy.exports(__name__, _EXPORTS)
