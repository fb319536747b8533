"""The report's error type (import-light, for the command line)."""

from ...support.errors import GridgovError


class ReportError(GridgovError):
    """A results folder that cannot be reported on (one line for the user)."""
