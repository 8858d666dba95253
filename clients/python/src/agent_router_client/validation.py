"""Refuses, before anything is sent, queries the router would put in its dead-letter topic."""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional


def _blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


def query_problem(query: Optional[Mapping[str, Any]]) -> Optional[str]:
    """What is wrong with the query, or None when it may be sent (the Java client's QueryValidation)."""
    if query is None:
        return "null query"
    if not isinstance(query, Mapping):
        return f"a query is a mapping of AgentQuery fields, not {type(query).__name__}"
    if _blank(query.get("query_id")):
        return "query_id is empty"
    if _blank(query.get("namespace")):
        return "namespace is empty"
    if _blank(query.get("text")):
        return "text is empty"
    context_k = query.get("context_k")
    if isinstance(context_k, int) and context_k < 0:
        return "context_k is negative"
    embedding = query.get("embedding")
    if embedding is not None:
        for x in embedding:
            try:
                finite = not isinstance(x, bool) and math.isfinite(x)
            except TypeError:  # None or not a number
                finite = False
            if not finite:
                return "embedding holds a non-finite value"
    return None
