"""Errors a user can fix, shown without a traceback."""


class ConfigError(ValueError):
    """A setting that cannot work; the message says which and why."""


class UnreadableImage(ValueError):
    """A file or bytes this app will not read as a picture; the message says why, after "Cannot read X: "."""
