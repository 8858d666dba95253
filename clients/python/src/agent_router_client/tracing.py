"""W3C trace context on the query record and back from the decision record.

Kafka headers ``traceparent`` and ``tracestate`` (the messaging convention) carry the trace: the router's job reads
them from the query, makes its spans children of the agent's span, and puts its routing span's context on the
decision, so the agent's next call (its LLM request) continues the same trace.

With ``opentelemetry-api`` installed (the ``tracing`` extra) each ``route`` is a PRODUCER span ``route``, a child of the
current context, recorded by whatever SDK the agent configured. Without it, the client forwards a ``traceparent``
the caller gives (``route(q, traceparent=...)``); ``new_traceparent`` builds one. Either way the decision's context
comes back as a ``TracedDecision``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Optional

try:  # the optional dependency
    from opentelemetry import context as otel_context
    from opentelemetry import trace as otel_trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
except ImportError:  # pragma: no cover - exercised where the API is not installed
    otel_trace = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from .records import AgentQuery, RoutingDecision

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
QUERIES_TOPIC = "agent-queries"
_HEADER = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")


def parse_traceparent(header: Optional[str]) -> Optional[Dict[str, Any]]:
    """``{"trace_id", "span_id", "sampled"}`` of a W3C traceparent, or None when it is not a valid one."""
    match = _HEADER.match(header.strip()) if header else None
    if match is None or match.group(1) == "ff" or (match.group(1) == "00" and match.group(5)):
        return None
    trace_id, span_id = match.group(2), match.group(3)
    if set(trace_id) == {"0"} or set(span_id) == {"0"}:
        return None
    return {"trace_id": trace_id, "span_id": span_id, "sampled": bool(int(match.group(4), 16) & 1)}


def new_traceparent(trace_id: Optional[str] = None, sampled: bool = True) -> str:
    """A traceparent for a new span (random span id) in ``trace_id`` (default: a new trace), for callers without OpenTelemetry."""
    return f"00-{trace_id or secrets.token_hex(16)}-{secrets.token_hex(8)}-{'01' if sampled else '00'}"


@dataclass(frozen=True)
class TracedDecision:
    """A decision with the trace context it came back with: the router's routing span when the router traced the
    query, else the context the query was sent with; for a local fallback the client's own span; None when nobody
    traced the query. ``context()`` makes it the parent of the agent's next span:
    ``tracer.start_as_current_span("chat", context=traced.context())``."""

    decision: "RoutingDecision"
    traceparent: Optional[str] = None
    tracestate: Optional[str] = None

    def context(self) -> Any:
        """An OpenTelemetry context with the decision's span as a remote parent (needs opentelemetry-api)."""
        if otel_trace is None:
            raise RuntimeError("TracedDecision.context() needs opentelemetry-api (pip install 'agent-router-client[tracing]')")
        if parse_traceparent(self.traceparent) is None:
            return otel_context.get_current()
        carrier = {TRACEPARENT: self.traceparent}
        if self.tracestate:
            carrier[TRACESTATE] = self.tracestate
        return TraceContextTextMapPropagator().extract(carrier)


class RouteSpan:
    """The client's span of one call (with opentelemetry-api), or just the caller's context forwarded (without)."""

    def __init__(self, query: "AgentQuery", tracer_provider: Any = None, traceparent: Optional[str] = None,
                 tracestate: Optional[str] = None) -> None:
        self._span = None
        self.traceparent = traceparent if parse_traceparent(traceparent) else None
        self.tracestate = tracestate if self.traceparent else None
        if otel_trace is None:
            return
        parent = None
        if self.traceparent is not None:
            carrier = {TRACEPARENT: self.traceparent}
            if self.tracestate:
                carrier[TRACESTATE] = self.tracestate
            parent = TraceContextTextMapPropagator().extract(carrier)
        provider = tracer_provider or otel_trace.get_tracer_provider()
        self._span = provider.get_tracer("agent_router_client").start_span(
            "route", context=parent, kind=otel_trace.SpanKind.PRODUCER, attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.operation.name": "send",
                "messaging.destination.name": QUERIES_TOPIC,
                "messaging.message.id": query["query_id"],
                "agent_router.namespace": query["namespace"],
            })
        carrier: Dict[str, str] = {}
        TraceContextTextMapPropagator().inject(carrier, context=otel_trace.set_span_in_context(self._span, parent))
        self.traceparent = carrier.get(TRACEPARENT)
        self.tracestate = carrier.get(TRACESTATE)

    def headers(self) -> list:
        """Headers for the query record (confluent-kafka's list of pairs)."""
        if self.traceparent is None:
            return []
        pairs = [(TRACEPARENT, self.traceparent.encode("ascii"))]
        if self.tracestate:
            pairs.append((TRACESTATE, self.tracestate.encode("ascii")))
        return pairs

    def end(self, traced: TracedDecision, fallback: bool) -> TracedDecision:
        """Ends the span with what was decided; a local fallback marks it failed and continues from this span."""
        d = traced.decision
        if self._span is not None:
            self._span.set_attributes({"agent_router.route": d["route"], "agent_router.model": d["model"],
                                       "agent_router.fallback.level": d["fallback_level"]})
            if fallback:
                reason = d.get("fallback_reason") or "client fallback"
                self._span.set_attribute("agent_router.fallback.reason", reason)
                self._span.set_status(otel_trace.Status(otel_trace.StatusCode.ERROR, reason))
            self._span.end()
        if fallback:
            return TracedDecision(d, self.traceparent, self.tracestate)
        return traced

    def fail(self, error: BaseException) -> None:
        if self._span is not None:
            self._span.record_exception(error)
            self._span.set_status(otel_trace.Status(otel_trace.StatusCode.ERROR, str(error)))
            self._span.end()


def header_text(headers: Optional[list], name: str) -> Optional[str]:
    """The last value of a record header (confluent-kafka gives a list of (name, bytes) pairs, or None)."""
    value = None
    for key, raw in headers or ():
        if key == name and raw is not None:
            value = raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)
    return value
