"""The one domain error that services raise when a rule of the coalition is broken."""


class RuleBroken(Exception):
    """A request breaks a rule; the message is shown to the person as it is.

    Pages turn it into a form error or a flash message, the API into a 400.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
