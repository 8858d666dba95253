"""Python client of the agent query router: ask which LLM should answer, with a deadline and a local fallback.

``AsyncRouterClient`` (asyncio) and ``RouterClient`` (blocking) have the Java and TypeScript clients'
contract; records are plain dicts with the Avro field names, typed by the TypedDicts in ``records``
(generated from the project's .avsc files at build time).
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from .blocking import RouterClient
from .breaker import BreakerSettings, BreakerState, CircuitBreaker
from .client import AsyncRouterClient
from .errors import PermanentRouterError, RetriableRouterError, RouterError, SchemaMismatchError
from .fallback import LONG_QUERY_CHARS, FallbackModels, client_fallback, strong_reason
from .feedback import Outcome, ProbeTarget, feedback_for, probe_requested
from .schemas import RouterSchemas, load_schemas, schema_dir
from .tracing import TracedDecision, new_traceparent, parse_traceparent
from .security import (KafkaSettingsError, kafka_config, kafka_config_from_properties, parse_properties,
                       scram_works_on_kafka_4)
from .validation import query_problem
from .wire import SingleObjectCodec

if TYPE_CHECKING:
    from .records import AgentQuery, ContextItem, FallbackLevel, RoutingDecision, RoutingFeedback

__version__ = "0.1.0"


def make_query(namespace: str, text: str, **fields: Any) -> "AgentQuery":
    """An AgentQuery with a fresh ``query_id`` and ``event_time_ms`` = now; ``fields`` add or override the rest
    (``user_id``, ``embedding``, ``context_k``, ``alpha``, ``tags`` ...)."""
    query = {"query_id": str(uuid.uuid4()), "namespace": namespace, "text": text,
             "event_time_ms": int(time.time() * 1000)}
    query.update(fields)
    return query  # type: ignore[return-value]


__all__ = [
    "AsyncRouterClient", "RouterClient", "make_query", "feedback_for", "Outcome", "ProbeTarget",
    "probe_requested", "BreakerSettings", "BreakerState", "CircuitBreaker", "FallbackModels", "client_fallback",
    "strong_reason", "LONG_QUERY_CHARS", "RouterError", "RetriableRouterError", "PermanentRouterError",
    "SchemaMismatchError", "TracedDecision", "new_traceparent", "parse_traceparent", "SingleObjectCodec",
    "RouterSchemas", "load_schemas", "schema_dir", "query_problem",
    "KafkaSettingsError", "kafka_config", "kafka_config_from_properties", "parse_properties", "scram_works_on_kafka_4",
    "AgentQuery", "ContextItem", "FallbackLevel", "RoutingDecision", "RoutingFeedback",
]


def __getattr__(name: str) -> Any:
    # The record types live in the generated module; import it only when asked for (a source checkout
    # that never ran scripts/generate_types.py still works, untyped).
    if name in ("AgentQuery", "ContextItem", "FallbackLevel", "RoutingDecision", "RoutingFeedback"):
        from . import records
        return getattr(records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
