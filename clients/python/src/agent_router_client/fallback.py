"""The decision the client makes by itself when the router does not answer in time or its breaker is open.

It mirrors the job's heuristic level (operators' HeuristicRoute and TextSignals) and the Java client's
ClientFallback: code, mathematics, long texts and code/math/reasoning tags go strong, everything else
cheap. Keep them in step.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Optional

if TYPE_CHECKING:
    from .records import AgentQuery, RoutingDecision

LONG_QUERY_CHARS = 1500

# re.ASCII: \b, \d, \s and IGNORECASE behave as in java.util.regex without UNICODE_CHARACTER_CLASS.
_CODE = re.compile(
    r"```|\b(def|class|function|return|import|public static|#include|SELECT\s+.+\s+FROM|console\.log|=>)\b|[{};]\s*$",
    re.MULTILINE | re.IGNORECASE | re.ASCII)
_MATH = re.compile(
    r"\\(frac|sum|int|sqrt)|\$[^$]+\$|\b(integral|derivative|equation|solve for|prove that|theorem|probability)\b"
    r"|\d+\s*[-+*/^=]\s*\d+",
    re.IGNORECASE | re.ASCII)
_STRONG_TAGS = frozenset({"code", "math", "reasoning"})


@dataclass(frozen=True)
class FallbackModels:
    """The models the local fallback names for its cheap and strong routes (the job's default pricing table)."""

    cheap: str = "mixtral-8x7b-instruct"
    strong: str = "gpt-4-1106-preview"


def java_length(text: str) -> int:
    """The length Java and JavaScript see: UTF-16 code units (a character outside the BMP counts twice)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def strong_reason(text: Optional[str], tags: Optional[Iterable[str]] = None) -> Optional[str]:
    """The reason the query needs the strong route, or None when the cheap route will do."""
    if text is not None and _CODE.search(text):
        return "code in the query"
    if text is not None and _MATH.search(text):
        return "mathematics in the query"
    if text is not None and java_length(text) > LONG_QUERY_CHARS:
        return f"long query ({java_length(text)} chars)"
    for tag in tags or ():
        if tag.lower() in _STRONG_TAGS:
            return f"tag {tag}"
    return None


def client_fallback(query: "AgentQuery", why: str, models: FallbackModels = FallbackModels()) -> "RoutingDecision":
    """A RoutingDecision with fallback level CLIENT_FALLBACK; ``why`` says why the router was not asked or did not answer."""
    strong = strong_reason(query.get("text"), query.get("tags"))
    alpha = query.get("alpha")
    return {
        "query_id": query["query_id"],
        "namespace": query["namespace"],
        "user_id": query.get("user_id") or "",
        "route": "strong" if strong else "cheap",
        "model": models.strong if strong else models.cheap,
        # Nothing was scored: 0.5 says only that the heuristic is a coarse guess.
        "confidence": 0.5,
        "p_strong": 1.0 if strong else 0.0,
        "prediction_set": ["cheap", "strong"],
        "uncertain": True,
        "alpha": 0.0 if alpha is None else float(alpha),
        "context": [],
        "candidates_considered": 0,
        "estimated_cost_usd": 0.0,
        "strong_cost_usd": 0.0,
        "fallback_level": "CLIENT_FALLBACK",
        "fallback_reason": f"{why}; client heuristic: {strong or 'no code, math or long text'}",
        "model_version": "client-heuristic",
        "model_role": "client",
        "event_time_ms": query["event_time_ms"],
        "decided_at_ms": int(time.time() * 1000),
        "processing_latency_us": 0,
        "probe": False,
    }
