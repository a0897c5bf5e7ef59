"""The error a command raises when it cannot run (kept apart so command modules can import it)."""


class CommandError(Exception):
    """A command could not run; its message is printed as one line and the exit code is 2."""
