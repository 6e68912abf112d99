"""Errors a user can fix. Every one derives from UserError: the CLI prints its message on one line and the pages
show it in a box, never a traceback. The message says what is wrong and what to do.

A UserError is raised with its message id and parameters, `ConfigError(N_("epochs must be at least 1, not
{epochs}: there would be nothing to train"), epochs=0)`: str(error) is the English sentence, and a page shows
`mnist_demo.web.i18n.error(error)`, the same sentence in the session's language (mnist_demo.messages)."""

from __future__ import annotations

from mnist_demo.messages import Message


class UserError(Exception):
    """Something the user can fix; its message is complete and safe to show. `.message` is the Message (the
    English str, its id and parameters); `.public` the one a browser is shown, the same unless a kind replaces it
    with a form that leaves out the server's paths."""

    def __init__(self, message: str, /, **params: object) -> None:
        if not isinstance(message, Message) or params:
            message = Message(message, **params)
        super().__init__(message)
        self.message: Message = message
        self.public: Message = message

    public: str  # where set: the message without the server's paths, for a browser (getattr with a default reads it)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else type(self).__name__


class ConfigError(UserError, ValueError):
    """A setting that cannot work; the message says which and why."""


class ArchitectureError(ConfigError):
    """A network (its SPEC, mnist_demo.network.spec) that cannot work; the message names the block and says why."""


class UnreadableImage(UserError, ValueError):
    """A file or bytes this app will not read as a picture; the message says why, after "Cannot read X: "."""


class DataMissingError(UserError, RuntimeError):
    """The dataset files are absent and could not be downloaded."""


class DataFileError(UserError, ValueError):
    """A dataset file is there but is not what it should be (compressed, truncated, another kind of IDX file)."""


class CheckpointError(UserError, RuntimeError):
    """A file that is not a usable mnist-demo checkpoint."""


class SaveError(UserError, OSError):
    """A file that could not be written: the message says why (read-only folder, full disk) and names the path;
    whatever was at the path before is unchanged. An OSError, so code that handles those handles it."""


class UsageError(UserError):
    """A command-line request that cannot be carried out as asked."""


class NotAllowed(UserError):
    """An action only the teacher may take (start or stop a run, choose the class model, delete)."""


class ClassSetError(UserError):
    """Something wrong with the class set (a busy, read-only, damaged or foreign database file) or with what was
    given to it (a label that is not 0-9, an empty drawing, a zip with a path that climbs out)."""
