"""Feedback records built from a decision, and the probe protocol.

Probes: a decision may carry ``probe = true``, asking the agent to also call the other model and report both
outcomes in one feedback record (``probe_route``, ``probe_success``, ``probe_quality``). ``probe_requested`` is
False for every decision; everything here is guarded by the field's presence (in the decision, and in
the RoutingFeedback schema for the second report), so a client built with schemas that have the fields
follows the protocol without code changes, and one built without them never sends a half-understood probe.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, AbstractSet, Any, Dict, List, Optional, Sequence, cast

from .errors import PermanentRouterError
from .fallback import FallbackModels

if TYPE_CHECKING:
    from .records import RoutingDecision, RoutingFeedback

PROBE_FIELD = "probe"
PROBE_ROUTE_FIELD = "probe_route"


@dataclass(frozen=True)
class Outcome:
    """How an LLM call went: ``success`` (pass/fail) or ``quality`` (0..1), and what it used."""

    success: Optional[bool] = None
    quality: Optional[float] = None
    tokens_used: int = 0
    latency_ms: int = 0
    context_ids_used: Sequence[str] = ()


def feedback_for(decision: "RoutingDecision", success: Optional[bool] = None, quality: Optional[float] = None, *,
                 tokens_used: int = 0, latency_ms: int = 0, context_ids_used: Sequence[str] = ()) -> "RoutingFeedback":
    """Feedback for a decision, filled from it (query id, namespace, model, route, and the model version and
    alpha the job uses to keep its live violation rate per version); the caller adds the outcome."""
    alpha = decision.get("alpha") or 0.0
    return {
        "query_id": decision["query_id"],
        "namespace": decision["namespace"],
        "model": decision["model"],
        "route": decision["route"],
        "success": success,
        "quality": quality,
        "tokens_used": tokens_used,
        "latency_ms": latency_ms,
        "context_ids_used": list(context_ids_used),
        "event_time_ms": int(time.time() * 1000),
        "model_version": decision.get("model_version"),
        "alpha": alpha if 0 < alpha < 1 else None,
        "probe_route": None,
        "probe_success": None,
        "probe_quality": None,
    }


def _from_outcome(decision: "RoutingDecision", outcome: Outcome) -> "RoutingFeedback":
    return feedback_for(decision, outcome.success, outcome.quality, tokens_used=outcome.tokens_used,
                        latency_ms=outcome.latency_ms, context_ids_used=outcome.context_ids_used)


def probe_requested(decision: "RoutingDecision") -> bool:
    """Whether the decision asks the agent to also call the other model (``probe = true``; absent: no)."""
    return dict(decision).get(PROBE_FIELD) is True


@dataclass(frozen=True)
class ProbeTarget:
    """The other model a probing decision asks the agent to call too."""

    route: str
    model: str


def probe_target(decision: "RoutingDecision", models: FallbackModels) -> Optional[ProbeTarget]:
    """The route and model to probe, or None when the decision asks for no probe. The decision's own
    ``probe_route`` / ``probe_model`` win when it carries them; else the other of the two tiers."""
    if not probe_requested(decision):
        return None
    fields: Dict[str, Any] = dict(decision)  # probe_route and probe_model are not in today's schema either
    route = str(fields.get("probe_route") or ("cheap" if decision["route"] == "strong" else "strong"))
    model = str(fields.get("probe_model") or (models.cheap if route == "cheap" else models.strong))
    return ProbeTarget(route, model)


def probe_feedback(decision: "RoutingDecision", chosen: Outcome, probed: Outcome, target: ProbeTarget,
                   feedback_fields: AbstractSet[str]) -> List["RoutingFeedback"]:
    """The report of a probe: one feedback record with the chosen model's outcome, and the probed route's outcome in
    ``probe_route`` / ``probe_success`` / ``probe_quality`` (the job's learner reads both from one record; a second
    record with the same query id would be ignored as a duplicate).

    Refused (PermanentRouterError) when the decision asked for no probe, or when this client's RoutingFeedback
    schema has no ``probe_route`` field (a client built from schemas older than probes).
    """
    if not probe_requested(decision):
        raise PermanentRouterError(f"decision {decision['query_id']} asked for no probe")
    if PROBE_ROUTE_FIELD not in feedback_fields:
        raise PermanentRouterError("this client's RoutingFeedback schema has no probe_route field: cannot report a probe "
                                   "(rebuild the client from schemas that define it)")
    record: Dict[str, Any] = dict(_from_outcome(decision, chosen), probe_route=target.route,
                                  probe_success=probed.success, probe_quality=probed.quality)
    return [cast("RoutingFeedback", record)]
