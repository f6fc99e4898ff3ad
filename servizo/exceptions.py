"""Domain errors raised by services; views, admin and consumers turn them into messages."""


class DomainError(Exception):
    """A business rule refused the request. The message is safe to show to the user."""


class TransitionNotAllowed(DomainError):
    """The object is not in a state that allows this move (or not for this actor)."""
