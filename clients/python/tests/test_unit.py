"""Pure logic: breaker, fallback heuristics, validation, codec, feedback and probes, generated types; and start-up
against a port where no broker listens."""

from __future__ import annotations

import time
import typing

import pytest

from agent_router_client import (BreakerSettings, BreakerState, CircuitBreaker, FallbackModels, Outcome,
                                 PermanentRouterError, RetriableRouterError, RouterClient, SchemaMismatchError,
                                 SingleObjectCodec, client_fallback, feedback_for, load_schemas, make_query,
                                 probe_requested, query_problem, strong_reason)
from agent_router_client.feedback import ProbeTarget, probe_feedback, probe_target
from agent_router_client.wire import MARKER


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_the_threshold_half_opens_after_the_cool_down_closes_on_success() -> None:
    clock = Clock()
    b = CircuitBreaker(BreakerSettings(failure_threshold=3, window=10.0, cool_down=5.0), clock)
    b.record_failure()
    b.record_failure()
    assert b.state is BreakerState.CLOSED
    b.record_failure()
    assert b.state is BreakerState.OPEN
    clock.now += 4.999
    assert not b.allows_call()
    clock.now += 0.001
    assert b.state is BreakerState.HALF_OPEN
    b.record_failure()  # a failed probe opens it for another cool-down
    assert b.state is BreakerState.OPEN
    clock.now += 5.0
    assert b.allows_call()
    b.record_success()
    assert b.state is BreakerState.CLOSED


def test_failures_outside_the_window_do_not_count() -> None:
    clock = Clock()
    b = CircuitBreaker(BreakerSettings(failure_threshold=3, window=10.0, cool_down=5.0), clock)
    b.record_failure()
    b.record_failure()
    clock.now += 11.0
    b.record_failure()
    assert b.state is BreakerState.CLOSED


def test_a_success_forgets_earlier_failures_and_a_threshold_below_one_is_refused() -> None:
    b = CircuitBreaker(BreakerSettings(failure_threshold=2, window=10.0, cool_down=5.0), Clock())
    b.record_failure()
    b.record_success()
    b.record_failure()
    assert b.state is BreakerState.CLOSED
    with pytest.raises(ValueError):
        CircuitBreaker(BreakerSettings(failure_threshold=0))


def test_fallback_heuristic_mirrors_the_job_code_math_long_text_and_tags_go_strong() -> None:
    assert strong_reason("def f(x):\n  return x") == "code in the query"
    assert strong_reason("```java\nint x;\n```") == "code in the query"
    assert strong_reason("it ends with a brace {") == "code in the query"
    assert strong_reason("Solve for x: 3 + 4 = x") == "mathematics in the query"
    assert strong_reason("what is \\frac{1}{2} of 8") == "mathematics in the query"
    assert strong_reason("a" * 1501).startswith("long query (1501 chars)")
    assert strong_reason("a" * 1500) is None
    # Java and JavaScript count UTF-16 units: 750 emoji are 1,500 units, 751 are 1,502.
    assert strong_reason("\U0001F600" * 750) is None
    assert strong_reason("\U0001F600" * 751) == "long query (1502 chars)"
    assert strong_reason("hello", ["Reasoning"]) == "tag Reasoning"
    assert strong_reason("What is the capital of France?", ["travel"]) is None
    assert strong_reason("Which classes are there?") is None  # a word, not a prefix


def test_the_local_fallback_is_a_valid_routing_decision_with_the_reason() -> None:
    models = FallbackModels(cheap="c", strong="s")
    q = make_query("ns", "What is the capital of France?", alpha=0.2, user_id="u")
    d = client_fallback(q, "deadline", models)
    assert (d["route"], d["model"], d["fallback_level"]) == ("cheap", "c", "CLIENT_FALLBACK")
    assert d["fallback_reason"] == "deadline; client heuristic: no code, math or long text"
    assert (d["alpha"], d["user_id"], d["event_time_ms"]) == (0.2, "u", q["event_time_ms"])
    strong = client_fallback(make_query("ns", "def f(): pass"), "circuit breaker open", models)
    assert (strong["route"], strong["model"], strong["p_strong"]) == ("strong", "s", 1.0)
    codec = SingleObjectCodec(load_schemas().routing_decision)
    assert codec.decode(codec.encode(d)) == d


def test_validation_refuses_what_the_job_would_dead_letter() -> None:
    good = make_query("ns", "text", embedding=[0.1, 0.2], context_k=3)
    assert query_problem(good) is None
    assert query_problem(None) == "null query"
    assert query_problem(dict(good, query_id=" ")) == "query_id is empty"
    assert query_problem(dict(good, namespace="")) == "namespace is empty"
    assert query_problem({k: v for k, v in good.items() if k != "text"}) == "text is empty"
    assert query_problem(dict(good, context_k=-1)) == "context_k is negative"
    assert query_problem(dict(good, embedding=[0.1, float("nan")])) == "embedding holds a non-finite value"
    assert query_problem(dict(good, embedding=[float("inf")])) == "embedding holds a non-finite value"
    assert query_problem(dict(good, embedding=[None])) == "embedding holds a non-finite value"


def test_the_codec_refuses_records_that_do_not_fit_the_schema_instead_of_coercing_them() -> None:
    codec = SingleObjectCodec(load_schemas().agent_query, unchecked_fields=("embedding",))
    q = make_query("ns", "text")
    for bad, why in [(dict(q, context_k=1.5), "context_k"), (dict(q, tags="code"), "tags"),
                     (dict(q, unknown=1), "unknown"), ({k: v for k, v in q.items() if k != "event_time_ms"},
                                                      "event_time_ms"), (dict(q, embedding=["x"]), "embedding")]:
        with pytest.raises(PermanentRouterError, match=why):
            codec.encode(bad)
    decoded = codec.decode(codec.encode(q))
    assert decoded["context_k"] == 10 and decoded["tags"] == [] and decoded["user_id"] == ""  # schema defaults


def test_bytes_of_another_schema_or_no_avro_are_permanent_errors() -> None:
    schemas = load_schemas()
    queries = SingleObjectCodec(schemas.agent_query)
    decisions = SingleObjectCodec(schemas.routing_decision)
    data = queries.encode(make_query("ns", "x"))
    assert data[:2] == MARKER
    with pytest.raises(SchemaMismatchError, match="unknown schema fingerprint") as raised:
        decisions.decode(data)
    assert not raised.value.retriable
    with pytest.raises(PermanentRouterError, match="not Avro single-object encoded"):
        queries.decode(b"hello, not avro")
    with pytest.raises(PermanentRouterError, match="truncated or corrupt AgentQuery"):
        queries.decode(data[:14])


def test_feedback_for_carries_the_decisions_version_and_only_a_real_alpha() -> None:
    d = client_fallback(make_query("ns", "x"), "why")
    f = feedback_for(d, success=True, tokens_used=12, context_ids_used=("m1",))
    assert (f["query_id"], f["model"], f["route"], f["model_version"]) == (d["query_id"], d["model"], "cheap",
                                                                          "client-heuristic")
    assert f["alpha"] is None and f["success"] is True and f["context_ids_used"] == ["m1"]
    assert feedback_for(dict(d, alpha=0.1), quality=0.5)["alpha"] == 0.1
    codec = SingleObjectCodec(load_schemas().routing_feedback)
    assert codec.decode(codec.encode(f)) == f


def test_probes_are_guarded_by_the_fields_presence() -> None:
    models = FallbackModels(cheap="c", strong="s")
    feedback_fields = load_schemas().field_names(load_schemas().routing_feedback)
    today = client_fallback(make_query("ns", "x"), "why", models)
    assert not probe_requested(today) and probe_target(today, models) is None
    with pytest.raises(PermanentRouterError, match="asked for no probe"):
        probe_feedback(today, Outcome(success=True), Outcome(success=False), ProbeTarget("strong", "s"),
                       feedback_fields)
    # A decision of a future schema that asks for a probe:
    probing = dict(today, probe=True)
    target = probe_target(probing, models)
    assert target == ProbeTarget("strong", "s")
    assert probe_target(dict(probing, probe_model="gpt-x"), models) == ProbeTarget("strong", "gpt-x")
    # ... refused when this client's RoutingFeedback has no probe fields,
    with pytest.raises(PermanentRouterError, match="no probe_route field"):
        probe_feedback(probing, Outcome(success=True), Outcome(success=False), target, feedback_fields - {"probe_route"})
    # ... and one report with both outcomes when it has them (it does: schemas/ defines them).
    assert "probe_route" in feedback_fields
    (report,) = probe_feedback(probing, Outcome(success=True), Outcome(quality=0.25), target, feedback_fields)
    assert (report["route"], report["model"], report["success"]) == ("cheap", "c", True)
    assert (report["probe_route"], report["probe_success"], report["probe_quality"]) == ("strong", None, 0.25)
    codec = SingleObjectCodec(load_schemas().routing_feedback)
    assert codec.decode(codec.encode(report)) == report


def test_the_generated_types_have_the_schemas_fields() -> None:
    from agent_router_client import records
    schemas = load_schemas()
    for name, schema in [("AgentQuery", schemas.agent_query), ("RoutingDecision", schemas.routing_decision),
                         ("RoutingFeedback", schemas.routing_feedback)]:
        hints = typing.get_type_hints(getattr(records, name), include_extras=True)
        assert list(hints) == [f["name"] for f in schema["fields"]], name
    assert typing.get_args(records.FallbackLevel)[-1] == "CLIENT_FALLBACK"
    assert records.AgentQuery.__required_keys__ == {"query_id", "namespace", "text", "event_time_ms"}


def test_no_broker_is_a_retriable_error_within_the_start_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(RetriableRouterError, match="no partitions of routing-decisions"):
        RouterClient("127.0.0.1:1", start_timeout=1.0)
    assert time.monotonic() - started < 10.0


def test_w3c_traceparent_parsing_refuses_what_the_job_would_ignore() -> None:
    from agent_router_client import new_traceparent, parse_traceparent
    from agent_router_client.tracing import RouteSpan, header_text

    good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert parse_traceparent(good) == {"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7",
                                       "sampled": True}
    assert parse_traceparent(good[:-2] + "00")["sampled"] is False
    assert parse_traceparent("01" + good[2:] + "-future")  # a later version may append fields
    for bad in (None, "", "garbage", good + "-x", "ff" + good[2:], good.replace("-", "_"),
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"):
        assert parse_traceparent(bad) is None, bad
    made = parse_traceparent(new_traceparent("4bf92f3577b34da6a3ce929d0e0e4736", sampled=False))
    assert made["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736" and not made["sampled"]
    assert header_text([("traceparent", b"a"), ("other", b"x"), ("traceparent", good.encode())], "traceparent") == good
    assert header_text(None, "traceparent") is None
    # A caller's malformed header is dropped rather than sent on; a valid one goes on the query record.
    query = {"query_id": "q1", "namespace": "ns", "text": "t", "event_time_ms": 0}
    assert RouteSpan(query, traceparent="nonsense").headers() == []
    assert RouteSpan(query, traceparent=good, tracestate="v=1").headers() == [("traceparent", good.encode()),
                                                                                ("tracestate", b"v=1")]


def test_without_opentelemetry_a_given_traceparent_is_forwarded_and_no_span_is_made(monkeypatch: pytest.MonkeyPatch) -> None:
    from agent_router_client import tracing

    monkeypatch.setattr(tracing, "otel_trace", None)  # as where opentelemetry-api is not installed
    good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    query = {"query_id": "q1", "namespace": "ns", "text": "t", "event_time_ms": 0}
    span = tracing.RouteSpan(query, traceparent=good)
    assert span.headers() == [("traceparent", good.encode())]
    assert tracing.RouteSpan(query).headers() == []
    decision = {"route": "cheap", "model": "m", "fallback_level": "CLIENT_FALLBACK", "fallback_reason": "x"}
    assert span.end(tracing.TracedDecision(decision), True).traceparent == good  # a fallback continues the caller's
    with pytest.raises(RuntimeError, match="opentelemetry-api"):
        tracing.TracedDecision(decision, good).context()
