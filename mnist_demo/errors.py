"""Errors a user can fix, shown without a traceback."""


class ConfigError(ValueError):
    """A setting that cannot work; the message says which and why."""
