"""User-facing errors: the CLI prints their message on one line and exits non-zero."""

import re


class InvcamError(Exception):
    """A problem with the user's input or environment, with a one-line explanation.

    The CLI catches it, prints ``invcam: error: <message>`` and exits with ``exit_code``.
    """

    exit_code = 2

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


class OptionError(InvcamError):
    """An InvcamError about named parameters of a library call (``frames``, ``ev``).

    The message template holds ``{option}`` where the parameter's name goes (and
    ``{other_name}`` for any other parameter it names): the library's message says ``ev``,
    the CLI names its own flags (``--ev``) with :meth:`phrased`.
    """

    def __init__(self, option: str, template: str, exit_code: int = 2):
        self.option = option
        self.template = template
        super().__init__(self.phrased(lambda name: name), exit_code)

    def phrased(self, name_of) -> str:
        """The message with ``name_of(parameter)`` (e.g. its CLI flag) for each name."""
        return re.sub(r"\{(\w+)\}",
                      lambda m: name_of(self.option if m[1] == "option" else m[1]),
                      self.template)
