"""The blocking client: the same channel as the asyncio client, waited on with a timeout instead of awaited."""

from __future__ import annotations

from concurrent.futures import TimeoutError as FutureTimeout
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


class RouterClient:
    """Blocking twin of AsyncRouterClient, same contract; thread-safe, so many threads share one producer
    and one consumer. Connects in the constructor (returns once it listens for decisions)::

        with RouterClient("127.0.0.1:9092", deadline=0.25) as router:
            decision = router.route(make_query("code-assistant", "Find the race in my worker pool"))
            router.feedback(feedback_for(decision, success=True))
    """

    feedback_for = staticmethod(feedback_for)

    def __init__(self, bootstrap: Bootstrap = "127.0.0.1:9092", *, client_id: Optional[str] = None,
                 deadline: float = 0.5, breaker: BreakerSettings = BreakerSettings(),
                 fallback_models: FallbackModels = FallbackModels(), start_timeout: float = 30.0,
                 schema_dir: Optional[Union[str, Path]] = None,
                 kafka_config: Optional[Mapping[str, Any]] = None,
                 kafka_properties: Optional[Union[str, Path]] = None, tracer_provider: Any = None) -> None:
        self._channel = RouterChannel(bootstrap, client_id=client_id, deadline=deadline, breaker=breaker,
                                      fallback_models=fallback_models, schema_dir=schema_dir,
                                      kafka_config=kafka_config, kafka_properties=kafka_properties,
                                      tracer_provider=tracer_provider)
        try:
            self._channel.start(start_timeout)
        except BaseException:
            self._channel.close()
            raise

    def __enter__(self) -> "RouterClient":
        return self

    def __exit__(self, kind: Optional[Type[BaseException]], error: Optional[BaseException],
                 trace: Optional[TracebackType]) -> None:
        self.close()

    def route(self, query: "AgentQuery", deadline: Optional[float] = None, *, traceparent: Optional[str] = None,
              tracestate: Optional[str] = None) -> "RoutingDecision":
        """The router's decision, or a CLIENT_FALLBACK decision once ``deadline`` seconds (default: the client's) pass."""
        return self.route_traced(query, deadline, traceparent=traceparent, tracestate=tracestate).decision

    def route_traced(self, query: "AgentQuery", deadline: Optional[float] = None, *, traceparent: Optional[str] = None,
                     tracestate: Optional[str] = None) -> TracedDecision:
        """``route``, with the trace context the decision came back with (see AsyncRouterClient.route_traced)."""
        seconds = self._channel.deadline_seconds(deadline)
        span, sent = self._channel.send(query, traceparent, tracestate)
        if isinstance(sent, TracedDecision):
            return sent
        try:
            traced = sent.result(timeout=seconds)
        except FutureTimeout:
            sent.cancel()
            return self._channel.give_up(span, query, self._channel.timed_out(seconds))
        except RetriableRouterError as e:
            return self._channel.give_up(span, query, e)
        except BaseException as e:
            span.fail(e)
            raise
        return self._channel.accept(span, traced)

    def feedback(self, outcome: "RoutingFeedback", timeout: Optional[float] = None) -> None:
        """Publishes what happened to a routed query; waits for the broker (RetriableRouterError when it refuses)."""
        self._channel.send_feedback(outcome).result(timeout=timeout)

    def probe_target(self, decision: "RoutingDecision") -> Optional[ProbeTarget]:
        return self._channel.probe_target(decision)

    def feedback_probe(self, decision: "RoutingDecision", chosen: Outcome, probed: Outcome) -> None:
        for future in [self._channel.send_feedback(r) for r in self._channel.probe_feedback(decision, chosen, probed)]:
            future.result()

    @property
    def breaker_state(self) -> BreakerState:
        return self._channel.breaker_state

    @property
    def undecodable_decisions(self) -> int:
        return self._channel.undecodable_decisions

    def close(self) -> None:
        self._channel.close()
