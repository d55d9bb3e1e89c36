"""One exception type for every problem a user can fix (bad input, files, index, model)."""


class QAError(Exception):
    """An error with a one-line message meant for the person using the tool."""
