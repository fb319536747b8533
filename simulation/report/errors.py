"""The report's error type (import-light, for the command line)."""


class ReportError(Exception):
    """A results folder that cannot be reported on (one line for the user)."""
