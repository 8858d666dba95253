"""What the asyncio and the blocking client share: one producer, one decision listener, the breaker, the codecs."""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from confluent_kafka import KafkaException, Producer

from .breaker import BreakerSettings, BreakerState, CircuitBreaker
from .decisions import DecisionListener, settle
from .errors import PermanentRouterError, RetriableRouterError, RouterError
from .fallback import FallbackModels, client_fallback
from .feedback import Outcome, ProbeTarget, probe_feedback, probe_target
from .schemas import AGENT_QUERIES, ROUTING_FEEDBACK, load_schemas
from .security import kafka_config_from_properties
from .tracing import RouteSpan, TracedDecision
from .validation import query_problem
from .wire import SingleObjectCodec

if TYPE_CHECKING:
    from .records import AgentQuery, RoutingDecision, RoutingFeedback


Bootstrap = Union[str, Sequence[str]]


class RouterChannel:
    """Thread-safe; one instance serves every concurrent call of a client.

    A call is three steps, so that the asyncio client awaits and the blocking client blocks on the same
    logic: ``send`` (validate, ask the breaker, encode, register, publish) returns a decision at once or a
    future; the caller waits for it with its deadline; ``accept`` or ``give_up`` settles the outcome.
    """

    def __init__(self, bootstrap: Bootstrap, *, client_id: Optional[str], deadline: float,
                 breaker: BreakerSettings, fallback_models: FallbackModels,
                 schema_dir: Optional[Union[str, Path]], kafka_config: Optional[Mapping[str, Any]],
                 kafka_properties: Optional[Union[str, Path]] = None, tracer_provider: Any = None) -> None:
        if deadline <= 0:
            raise ValueError("deadline must be positive")
        servers = bootstrap if isinstance(bootstrap, str) else ",".join(bootstrap)
        self.client_id = client_id or f"router-client-{uuid.uuid4().hex[:8]}"
        self.deadline = deadline
        self.fallback_models = fallback_models
        self.breaker = CircuitBreaker(breaker)
        self.tracer_provider = tracer_provider
        schemas = load_schemas(schema_dir)
        self.queries: SingleObjectCodec[AgentQuery] = SingleObjectCodec(schemas.agent_query, unchecked_fields=("embedding",))
        self.decisions: SingleObjectCodec[RoutingDecision] = SingleObjectCodec(schemas.routing_decision)
        self.feedbacks: SingleObjectCodec[RoutingFeedback] = SingleObjectCodec(schemas.routing_feedback)
        self._feedback_fields = schemas.field_names(schemas.routing_feedback)
        extra: Dict[str, Any] = kafka_config_from_properties(kafka_properties) if kafka_properties is not None else {}
        extra.update(kafka_config or {})
        # A routing question is worth nothing after its deadline: fail fast instead of buffering for minutes.
        delivery_ms = max(int(deadline * 1000), 1000)
        producer_config: Dict[str, Any] = {
            "bootstrap.servers": servers,
            "client.id": self.client_id,
            "linger.ms": 0,
            "request.timeout.ms": delivery_ms,
            "message.timeout.ms": delivery_ms,
            "acks": 1,
            "enable.idempotence": False,
            "socket.nagle.disable": True,
            "logger": logging.getLogger("agent_router_client.kafka"),
        }
        producer_config.update(extra)
        self._producer = Producer(producer_config)
        try:
            self._listener = DecisionListener(servers, self.client_id, self.decisions.decode, extra)
        except BaseException:
            self._producer.flush(0)
            raise
        # librdkafka runs delivery callbacks inside poll(): a thread of ours polls.
        self._running = True
        self._poller = threading.Thread(target=self._poll_deliveries, name=f"{self.client_id}-deliveries", daemon=True)
        self._started = False
        self._closed = False

    def start(self, timeout: float) -> None:
        """Blocks until the listener reads the decision partitions from their current end."""
        self._poller.start()
        self._started = True
        self._listener.start(timeout)

    # -- routing ------------------------------------------------------------------------------------------

    def deadline_seconds(self, deadline: Optional[float]) -> float:
        seconds = self.deadline if deadline is None else float(deadline)
        if seconds <= 0:
            raise ValueError("deadline must be positive")
        return seconds

    def send(self, query: AgentQuery, traceparent: Optional[str] = None, tracestate: Optional[str] = None
             ) -> "Tuple[RouteSpan, Union[TracedDecision, Future[TracedDecision]]]":
        """Raises PermanentRouterError for an invalid query; returns a fallback at once when the breaker is open.
        The call's span (tracing.RouteSpan) puts the trace context on the query record's headers."""
        problem = query_problem(query)
        if problem is not None:
            raise PermanentRouterError(f"invalid query: {problem}")
        span = RouteSpan(query, self.tracer_provider, traceparent, tracestate)
        if not self.breaker.allows_call():
            return span, span.end(TracedDecision(client_fallback(query, "circuit breaker open", self.fallback_models)), True)
        try:
            data = self.queries.encode(query)
        except BaseException as e:
            span.fail(e)
            raise
        answer = self._listener.expect(query["query_id"])
        self._produce(AGENT_QUERIES, query["namespace"], data, answer, "query", span.headers())
        return span, answer

    def accept(self, span: RouteSpan, traced: TracedDecision) -> TracedDecision:
        self.breaker.record_success()
        return span.end(traced, False)

    def give_up(self, span: RouteSpan, query: AgentQuery, why: RouterError) -> TracedDecision:
        """A retriable failure: counts against the breaker and answers with the local fallback."""
        self.breaker.record_failure()
        return span.end(TracedDecision(client_fallback(query, str(why), self.fallback_models)), True)

    @staticmethod
    def timed_out(seconds: float) -> RetriableRouterError:
        return RetriableRouterError(f"no decision within {round(seconds * 1000)} ms")

    # -- feedback -----------------------------------------------------------------------------------------

    def send_feedback(self, outcome: RoutingFeedback) -> "Future[None]":
        data = self.feedbacks.encode(outcome)
        done: "Future[None]" = Future()
        self._produce(ROUTING_FEEDBACK, outcome["namespace"], data, done, "feedback")
        return done

    def probe_target(self, decision: RoutingDecision) -> Optional[ProbeTarget]:
        return probe_target(decision, self.fallback_models)

    def probe_feedback(self, decision: RoutingDecision, chosen: Outcome, probed: Outcome) -> List[RoutingFeedback]:
        target = self.probe_target(decision)
        if target is None:
            raise PermanentRouterError(f"decision {decision['query_id']} asked for no probe")
        return probe_feedback(decision, chosen, probed, target, self._feedback_fields)

    # -- plumbing -----------------------------------------------------------------------------------------

    def _produce(self, topic: str, key: str, data: bytes, future: "Future[Any]", what: str,
                 headers: Optional[list] = None) -> None:
        def delivered(error: Any, _message: Any) -> None:
            if error is None:
                if what == "feedback":
                    settle(future, None)
            else:
                settle(future, error=RetriableRouterError(f"broker did not take the {what}: {error}"))

        try:
            self._producer.produce(topic, value=data, key=key.encode("utf-8"), headers=headers or None,
                                   on_delivery=delivered)
        except (BufferError, KafkaException) as e:  # local queue full, client closed
            settle(future, error=RetriableRouterError(f"broker did not take the {what}: {e}"))

    def _poll_deliveries(self) -> None:
        while self._running:
            self._producer.poll(0.1)

    @property
    def breaker_state(self) -> BreakerState:
        return self.breaker.state

    @property
    def undecodable_decisions(self) -> int:
        return self._listener.undecodable

    def close(self, flush_timeout: float = 2.0) -> None:
        if self._closed:
            return
        self._closed = True
        self._listener.close()
        self._running = False
        if self._started:
            self._poller.join(3.0)
        self._producer.flush(flush_timeout)
