"""One exception type for every problem a user can fix (bad input, files, index, model)."""


class QAError(Exception):
    """An error with a one-line message meant for the person using the tool; `code` lets
    interfaces (HTTP, Telegram) say the same thing in their own words."""

    def __init__(self, message: str, code: str = "error"):
        super().__init__(message)
        self.code = code
