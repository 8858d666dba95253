"""The asyncio client."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Mapping, Optional, Type, Union

from .breaker import BreakerSettings, BreakerState
from .channel import Bootstrap, RouterChannel
from .errors import RetriableRouterError
from .fallback import FallbackModels
from .tracing import TracedDecision
from .feedback import Outcome, ProbeTarget, feedback_for

if TYPE_CHECKING:
    from .records import AgentQuery, RoutingDecision, RoutingFeedback


class AsyncRouterClient:
    """Asks the router which model should answer a query; same contract as the Java and TypeScript clients.

    One producer and one consumer serve every concurrent call. ``route`` never waits past its deadline: when
    the router does not answer in time, the broker refuses the query or the circuit breaker is open, it
    returns a local decision with ``fallback_level`` CLIENT_FALLBACK and the reason in ``fallback_reason``.
    It raises only for permanent errors (PermanentRouterError): an invalid query, or a decision written with
    a schema this client does not know (SchemaMismatchError)::

        async with AsyncRouterClient("127.0.0.1:9092", deadline=0.25) as router:
            decision = await router.route(make_query("code-assistant", "Find the race in my worker pool"))
            ...  # call decision["model"], then:
            await router.feedback(feedback_for(decision, success=True))

    Deadlines are in seconds. The client belongs to the event loop it was started on.
    """

    feedback_for = staticmethod(feedback_for)

    def __init__(self, bootstrap: Bootstrap = "127.0.0.1:9092", *, client_id: Optional[str] = None,
                 deadline: float = 0.5, breaker: BreakerSettings = BreakerSettings(),
                 fallback_models: FallbackModels = FallbackModels(), start_timeout: float = 30.0,
                 schema_dir: Optional[Union[str, Path]] = None,
                 kafka_config: Optional[Mapping[str, Any]] = None,
                 kafka_properties: Optional[Union[str, Path]] = None, tracer_provider: Any = None) -> None:
        """``kafka_properties``: the Java side's Kafka client properties file (SASL/SCRAM or PLAIN, TLS), turned into
        librdkafka settings (``kafka_config_from_properties``); ``kafka_config``: librdkafka settings for both the
        producer and the consumer, applied after the file's; ``tracer_provider``: an OpenTelemetry tracer provider for
        the client's ``route`` span (the global one when omitted)."""
        self._channel = RouterChannel(bootstrap, client_id=client_id, deadline=deadline, breaker=breaker,
                                      fallback_models=fallback_models, schema_dir=schema_dir,
                                      kafka_config=kafka_config, kafka_properties=kafka_properties,
                                      tracer_provider=tracer_provider)
        self._start_timeout = start_timeout

    @classmethod
    async def connect(cls, bootstrap: Bootstrap = "127.0.0.1:9092", **options: Any) -> "AsyncRouterClient":
        """Creates and starts a client: returns once it listens for decisions."""
        client = cls(bootstrap, **options)
        try:
            await client.start()
        except BaseException:
            await client.close()
            raise
        return client

    async def start(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self._channel.start, self._start_timeout)

    async def __aenter__(self) -> "AsyncRouterClient":
        try:
            await self.start()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, kind: Optional[Type[BaseException]], error: Optional[BaseException],
                        trace: Optional[TracebackType]) -> None:
        await self.close()

    async def route(self, query: "AgentQuery", deadline: Optional[float] = None, *, traceparent: Optional[str] = None,
                    tracestate: Optional[str] = None) -> "RoutingDecision":
        """The router's decision, or a CLIENT_FALLBACK decision once ``deadline`` seconds (default: the client's) pass."""
        return (await self.route_traced(query, deadline, traceparent=traceparent, tracestate=tracestate)).decision

    async def route_traced(self, query: "AgentQuery", deadline: Optional[float] = None, *,
                           traceparent: Optional[str] = None, tracestate: Optional[str] = None) -> TracedDecision:
        """``route``, with the trace context the decision came back with, for the agent's LLM call::

            traced = await router.route_traced(q)
            with tracer.start_as_current_span("chat", context=traced.context()): ...

        The trace continued is the current OpenTelemetry context's (with ``opentelemetry-api``), or ``traceparent``
        when given (tracing.py)."""
        seconds = self._channel.deadline_seconds(deadline)
        span, sent = self._channel.send(query, traceparent, tracestate)
        if isinstance(sent, TracedDecision):
            return sent
        try:
            traced = await asyncio.wait_for(asyncio.wrap_future(sent), seconds)
        except asyncio.TimeoutError:
            return self._channel.give_up(span, query, self._channel.timed_out(seconds))
        except RetriableRouterError as e:
            return self._channel.give_up(span, query, e)
        except BaseException as e:
            span.fail(e)
            raise
        return self._channel.accept(span, traced)

    async def feedback(self, outcome: "RoutingFeedback") -> None:
        """Publishes what happened to a routed query to routing-feedback; RetriableRouterError when the broker refuses it."""
        await asyncio.wrap_future(self._channel.send_feedback(outcome))

    def probe_target(self, decision: "RoutingDecision") -> Optional[ProbeTarget]:
        """The other model to call as well when the decision asks for a probe, else None (always None today)."""
        return self._channel.probe_target(decision)

    async def feedback_probe(self, decision: "RoutingDecision", chosen: Outcome, probed: Outcome) -> None:
        """Reports both outcomes of a probing decision (see feedback.probe_feedback for when it is refused)."""
        futures = [self._channel.send_feedback(r) for r in self._channel.probe_feedback(decision, chosen, probed)]
        await asyncio.gather(*(asyncio.wrap_future(f) for f in futures))

    @property
    def breaker_state(self) -> BreakerState:
        return self._channel.breaker_state

    @property
    def undecodable_decisions(self) -> int:
        return self._channel.undecodable_decisions

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self._channel.close)
