"""User-facing errors: the CLI prints their message on one line and exits non-zero."""


class InvcamError(Exception):
    """A problem with the user's input or environment, with a one-line explanation.

    The CLI catches it, prints ``invcam: error: <message>`` and exits with ``exit_code``.
    """

    exit_code = 2

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code
