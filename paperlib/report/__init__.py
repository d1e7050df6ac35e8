"""The report: Tables 3-4 and the figures, rebuilt from run records."""

from paperlib.report.build import build_report
from paperlib.report.runs import load_runs
from paperlib.report.tables import describe_run

__all__ = ["build_report", "describe_run", "load_runs"]
