"""Why a call to the router failed; ``retriable`` tells the caller whether trying again can help."""

from __future__ import annotations


class RouterError(Exception):
    """Base of the client's errors. Mirrors the Java client's RouterException."""

    retriable: bool = False


class RetriableRouterError(RouterError):
    """A transient failure: the deadline passed or the broker did not take the record. A later try may work."""

    retriable = True


class PermanentRouterError(RouterError):
    """A failure that repeats on every try: an invalid query, or bytes written with a schema this client does not know."""

    retriable = False


class SchemaMismatchError(PermanentRouterError):
    """Bytes whose schema fingerprint is not the one of the schema this client loaded."""
