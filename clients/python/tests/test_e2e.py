"""Both clients against a real broker and the real job (EmbeddedStack, a Java child process): concurrent calls
get the router's decisions; with the job cancelled they get local fallbacks within their deadline and the breaker
opens; with the job started again routing resumes and the breaker closes. The tests run in file order and share
one stack: the last one stops and restarts its job. The stack's job traces every query to an OTLP receiver in its
process, so the tracing tests see the router's spans of the agent's trace.

When this librdkafka can log in with SCRAM to a Kafka 4 broker (2.6.1 or newer; Debian 12's 2.0.2 cannot), the broker
wants SASL/SCRAM and enforces ACLs (EmbeddedStack --authenticated): every client logs in as principal ``agent`` with
the Java side's properties file (``kafka_properties``), as an agent in production would; a wrong password is a
permanent error at start, no credentials at all get nothing through. Otherwise the stack is PLAINTEXT and the two
login tests are skipped, saying why."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, List

import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from agent_router_client import (AsyncRouterClient, BreakerSettings, BreakerState, PermanentRouterError,
                                 RetriableRouterError, RouterClient, feedback_for, parse_properties, parse_traceparent,
                                 scram_works_on_kafka_4)
from stack import EmbeddedStack
from support import query

DEADLINE = 2.0
BREAKER = BreakerSettings(failure_threshold=5, window=30.0, cool_down=2.0)


AUTHENTICATED = scram_works_on_kafka_4()
needs_login = pytest.mark.skipif(not AUTHENTICATED, reason="this librdkafka cannot log in with SCRAM to Kafka 4 "
                                 "(needs 2.6.1+): the stack is PLAINTEXT")


@pytest.fixture(scope="module")
def stack() -> Iterator[EmbeddedStack]:
    s = EmbeddedStack(traces=True, authenticated=AUTHENTICATED)
    try:
        yield s
    finally:
        s.stop()


def test_concurrent_async_calls_get_the_routers_decisions_matched_by_query_id(stack: EmbeddedStack) -> None:
    async def scenario() -> None:
        async with AsyncRouterClient(stack.bootstrap, kafka_properties=stack.agent_properties, deadline=DEADLINE, breaker=BREAKER) as client:
            # The first decision waits for the job to be ready (MiniLM, ONNX sessions): a generous deadline.
            first = await client.route(query(), deadline=60.0)
            assert first["fallback_level"] == "NONE", first["fallback_reason"]
            queries = [query() for _ in range(200)]
            decisions = await asyncio.gather(*(client.route(q, deadline=10.0) for q in queries))
            for q, d in zip(queries, decisions):
                assert d["query_id"] == q["query_id"]
                assert d["fallback_level"] != "CLIENT_FALLBACK", d["fallback_reason"]
                assert d["route"] in ("cheap", "strong") and d["model"]
            outcome = feedback_for(first, success=True)
            assert outcome["model_version"] == first["model_version"]
            await client.feedback(outcome)
            assert client.breaker_state is BreakerState.CLOSED
            assert client.undecodable_decisions == 0

    asyncio.run(scenario())


def test_threads_share_one_blocking_client(stack: EmbeddedStack) -> None:
    with RouterClient(stack.bootstrap, kafka_properties=stack.agent_properties, deadline=DEADLINE, breaker=BREAKER) as client:
        assert client.route(query(), deadline=60.0)["fallback_level"] == "NONE"
        queries = [query() for _ in range(100)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            decisions = list(pool.map(lambda q: client.route(q, deadline=10.0), queries))
        for q, d in zip(queries, decisions):
            assert d["query_id"] == q["query_id"]
            assert d["fallback_level"] != "CLIENT_FALLBACK", d["fallback_reason"]
        client.feedback(client.feedback_for(decisions[0], quality=0.8), timeout=10.0)
        assert client.breaker_state is BreakerState.CLOSED


def test_an_invalid_query_is_a_permanent_error(stack: EmbeddedStack) -> None:
    with RouterClient(stack.bootstrap, kafka_properties=stack.agent_properties, deadline=DEADLINE) as client:
        with pytest.raises(PermanentRouterError) as raised:
            client.route(dict(query(), text=""))
        assert not raised.value.retriable and "text is empty" in str(raised.value)
        with pytest.raises(PermanentRouterError, match="context_k"):
            client.route(dict(query(), context_k="3"))
        assert client.breaker_state is BreakerState.CLOSED  # permanent errors do not count against the router


STAGES = ("decode", "retrieve", "score", "route")
INTERNAL, CONSUMER = 1, 5


def job_trace(stack: EmbeddedStack, trace_id: str) -> List[Dict[str, Any]]:
    """The job's spans of a trace once the consume span and every stage under it arrived (export is batched)."""
    until = time.monotonic() + 30.0
    while True:
        spans = stack.spans(trace_id)
        consume = [s for s in spans if s["name"] == "process agent-queries" and s["kind"] == CONSUMER]
        if consume and all(any(s["name"] == stage and s["kind"] == INTERNAL and s["parentSpanId"] == consume[0]["spanId"]
                                   for s in spans) for stage in STAGES):
            return spans
        assert time.monotonic() < until, f"trace {trace_id} incomplete: {[s['name'] for s in spans]}"
        time.sleep(0.2)


def test_the_current_trace_goes_to_the_job_and_the_llm_call_continues_from_the_decision(stack: EmbeddedStack) -> None:
    # The agent's current span (what its own tracing made current); without an SDK the API's spans are non-recording
    # and carry their parent's context, so the query's traceparent is this span's.
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    agent = NonRecordingSpan(SpanContext(int(trace_id, 16), int(span_id, 16), is_remote=False,
                                         trace_flags=TraceFlags(TraceFlags.SAMPLED)))
    with RouterClient(stack.bootstrap, kafka_properties=stack.agent_properties, deadline=DEADLINE) as client:
        with trace.use_span(agent):
            traced = client.route_traced(query(), deadline=60.0)
    assert traced.decision["fallback_level"] == "NONE", traced.decision["fallback_reason"]
    spans = job_trace(stack, trace_id)
    consume = next(s for s in spans if s["kind"] == CONSUMER)
    assert consume["parentSpanId"] == span_id, "the job's spans continue the agent's span"
    assert consume["attributes"]["messaging.message.id"] == traced.decision["query_id"]
    routing = next(s for s in spans if s["name"] == "route" and s["kind"] == INTERNAL)
    assert routing["attributes"]["agent_router.route"] == traced.decision["route"]
    back = parse_traceparent(traced.traceparent)
    assert back == {"trace_id": trace_id, "span_id": routing["spanId"], "sampled": True}, traced.traceparent
    # The agent's LLM call, started from the decision's context, is the routing span's child in the same trace.
    with trace.get_tracer("agent").start_as_current_span("chat", context=traced.context()) as llm:
        assert format(llm.get_span_context().trace_id, "032x") == trace_id
        assert format(llm.get_span_context().span_id, "016x") == routing["spanId"]


def test_a_given_traceparent_goes_to_the_job_and_back_with_the_async_client(stack: EmbeddedStack) -> None:
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)

    async def scenario() -> Any:
        async with AsyncRouterClient(stack.bootstrap, kafka_properties=stack.agent_properties, deadline=DEADLINE) as client:
            return await client.route_traced(query(), deadline=60.0, traceparent=f"00-{trace_id}-{span_id}-01")

    traced = asyncio.run(scenario())
    assert traced.decision["fallback_level"] == "NONE", traced.decision["fallback_reason"]
    spans = job_trace(stack, trace_id)
    assert next(s for s in spans if s["kind"] == CONSUMER)["parentSpanId"] == span_id
    routing = next(s for s in spans if s["name"] == "route" and s["kind"] == INTERNAL)
    assert parse_traceparent(traced.traceparent) == {"trace_id": trace_id, "span_id": routing["spanId"], "sampled": True}


@needs_login
def test_a_wrong_password_is_a_permanent_error_at_start(stack: EmbeddedStack, tmp_path: Path) -> None:
    assert stack.agent_properties is not None
    settings = parse_properties(stack.agent_properties.read_text(encoding="utf-8"))
    assert settings["sasl.mechanism"].startswith("SCRAM-SHA-")
    wrong = tmp_path / "wrong.properties"
    wrong.write_text(stack.agent_properties.read_text(encoding="utf-8").replace('password="', 'password="x'), encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(PermanentRouterError, match="refused this client's login") as raised:
        RouterClient(stack.bootstrap, kafka_properties=wrong, start_timeout=30.0)
    # At once, not after the start timeout: retrying cannot fix a password.
    assert time.monotonic() - started < 15.0
    password = re.search(r'password="([^"]*)"', settings["sasl.jaas.config"]).group(1)  # type: ignore[union-attr]
    assert password not in str(raised.value), "no secret in the message"


@needs_login
def test_without_credentials_the_client_never_starts(stack: EmbeddedStack) -> None:
    # PLAINTEXT on the SASL port: the broker drops the requests, the client sees no metadata.
    with pytest.raises(RetriableRouterError, match="no partitions of routing-decisions"):
        RouterClient(stack.bootstrap, start_timeout=3.0)


def test_job_down_fallbacks_within_the_deadline_and_the_breaker_opens_job_back_routing_resumes(
        stack: EmbeddedStack) -> None:
    async def scenario() -> None:
        async with AsyncRouterClient(stack.bootstrap, kafka_properties=stack.agent_properties, deadline=DEADLINE, breaker=BREAKER) as client:
            assert (await client.route(query(), deadline=60.0))["fallback_level"] == "NONE"
            with RouterClient(stack.bootstrap, kafka_properties=stack.agent_properties, deadline=DEADLINE, breaker=BREAKER) as blocking:
                await asyncio.get_running_loop().run_in_executor(None, stack.cancel_job)

                started = time.monotonic()
                fallbacks = await asyncio.gather(*(client.route(query()) for _ in range(5)))
                took = time.monotonic() - started
                for d in fallbacks:
                    assert d["fallback_level"] == "CLIENT_FALLBACK"
                    assert "no decision within 2000 ms" in d["fallback_reason"], d["fallback_reason"]
                # The deadline is the client's contract; the margin absorbs scheduling on a loaded 2-core machine.
                assert took < DEADLINE + 1.5, f"fallbacks within deadline + margin, took {took:.2f} s"
                assert client.breaker_state is BreakerState.OPEN
                # An open breaker answers without publishing or waiting: its reason says so.
                refused = await client.route(query())
                assert refused["fallback_reason"].startswith("circuit breaker open"), refused["fallback_reason"]

                # The blocking client, from threads, in the same outage.
                started = time.monotonic()
                with ThreadPoolExecutor(max_workers=5) as pool:
                    blocked = list(pool.map(lambda _: blocking.route(query()), range(5)))
                took = time.monotonic() - started
                assert all(d["fallback_level"] == "CLIENT_FALLBACK" for d in blocked)
                assert took < DEADLINE + 1.5, f"blocking fallbacks within deadline + margin, took {took:.2f} s"
                assert blocking.breaker_state is BreakerState.OPEN

            await asyncio.get_running_loop().run_in_executor(None, stack.start_job)
            # Probes after each cool-down; the restarted job resumes from its committed offsets.
            recovered = None
            until = time.monotonic() + 90.0
            while recovered is None and time.monotonic() < until:
                if client.breaker_state is BreakerState.OPEN:
                    await asyncio.sleep(0.2)
                    continue
                d = await client.route(query(), deadline=20.0)
                if d["fallback_level"] != "CLIENT_FALLBACK":
                    recovered = d
            assert recovered is not None, "routing resumed after the job restarted"
            assert client.breaker_state is BreakerState.CLOSED

    asyncio.run(scenario())
