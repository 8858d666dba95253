"""Both clients against a real broker and the real job (EmbeddedStack, a Java child process): concurrent calls
get the router's decisions; with the job cancelled they get local fallbacks within their deadline and the breaker
opens; with the job started again routing resumes and the breaker closes. The tests run in file order and share
one stack: the last one stops and restarts its job.

When this librdkafka can log in with SCRAM to a Kafka 4 broker (2.6.1 or newer; Debian 12's 2.0.2 cannot), the broker
wants SASL/SCRAM and enforces ACLs (EmbeddedStack --authenticated): every client logs in as principal ``agent`` with
the Java side's properties file (``kafka_properties``), as an agent in production would; a wrong password is a
permanent error at start, no credentials at all get nothing through. Otherwise the stack is PLAINTEXT and the two
login tests are skipped, saying why."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import pytest

from agent_router_client import (AsyncRouterClient, BreakerSettings, BreakerState, PermanentRouterError,
                                 RetriableRouterError, RouterClient, feedback_for, parse_properties,
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
    s = EmbeddedStack(authenticated=AUTHENTICATED)
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
