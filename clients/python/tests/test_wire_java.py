"""The wire format against the job's own Java encoder (org.agentrouter.wire.AvroWire), in both directions:
tests/java/WireFixture.java runs on the job's classpath (``mvn package``; see stack.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from agent_router_client import SingleObjectCodec, load_schemas
from stack import classpath, java

FIXTURE = Path(__file__).resolve().parent / "java" / "WireFixture.java"

# What WireFixture.java builds, field by field.
JAVA_DECISION = {
    "query_id": "q-java-1", "namespace": "ns-\u00e9t\u00e9", "user_id": "u7", "route": "strong",
    "model": "gpt-4-1106-preview", "confidence": 0.75, "p_strong": 0.625, "prediction_set": ["cheap", "strong"],
    "uncertain": True, "alpha": 0.1,
    "context": [{"memory_id": "mem-1", "score": 0.5}, {"memory_id": "mem-\U0001F600", "score": 0.25}],
    "candidates_considered": 42, "estimated_cost_usd": 0.0123, "strong_cost_usd": 0.0456,
    "fallback_level": "RECENT_DECISION", "fallback_reason": "scorer warming up", "model_version": "1.2.3",
    "model_role": "challenger", "event_time_ms": 1_700_000_000_123, "decided_at_ms": 1_700_000_000_456,
    "processing_latency_us": 789, "probe": False,
}


@pytest.fixture(scope="module")
def java_side() -> dict:
    schemas = load_schemas()
    query = {"query_id": "q-py-1", "namespace": "code-assistant", "user_id": "u1", "session_id": "s\u00f8",
             "text": "Why does `select` block? \U0001F914", "embedding": [0.5, -0.25, 0.125], "event_time_ms": 1234,
             "alpha": 0.05, "max_cost_usd": None, "context_k": 3, "tags": ["code", "go"]}
    feedback = {"query_id": "q-py-1", "namespace": "code-assistant", "model": "gpt-4-1106-preview",
                "route": "strong", "success": True, "quality": 0.5, "tokens_used": 321, "latency_ms": 1500,
                "context_ids_used": ["m1", "m2"], "event_time_ms": 5678, "model_version": "1.0.0", "alpha": 0.1}
    sent = {"query": SingleObjectCodec(schemas.agent_query).encode(query),
            "feedback": SingleObjectCodec(schemas.routing_feedback).encode(feedback)}
    run = subprocess.run([java(), "-cp", classpath(), str(FIXTURE)],
                         input=f"{sent['query'].hex()}\n{sent['feedback'].hex()}\n",
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    return {"schemas": schemas, "query": query, "feedback": feedback, "sent": sent,
            "decision_bytes": bytes.fromhex(lines[0]), "query_json": json.loads(lines[1]),
            "feedback_json": json.loads(lines[2]), "query_again": bytes.fromhex(lines[3]),
            "feedback_again": bytes.fromhex(lines[4])}


def test_python_reads_a_decision_java_encoded(java_side: dict) -> None:
    codec = SingleObjectCodec(java_side["schemas"].routing_decision)
    assert codec.decode(java_side["decision_bytes"]) == JAVA_DECISION


def test_python_encodes_a_decision_byte_for_byte_as_java(java_side: dict) -> None:
    codec = SingleObjectCodec(java_side["schemas"].routing_decision)
    assert codec.encode(JAVA_DECISION) == java_side["decision_bytes"]


def test_java_reads_what_python_encoded(java_side: dict) -> None:
    query, seen = java_side["query"], java_side["query_json"]
    assert seen["text"] == query["text"] and seen["session_id"] == query["session_id"]
    assert seen["embedding"] == query["embedding"] and seen["tags"] == query["tags"]
    assert seen["alpha"] == query["alpha"] and seen["context_k"] == 3 and seen["event_time_ms"] == 1234
    feedback = java_side["feedback_json"]
    assert feedback["success"] is True and feedback["tokens_used"] == 321
    assert feedback["context_ids_used"] == ["m1", "m2"] and feedback["model_version"] == "1.0.0"
    # Java encodes what it decoded into the very same bytes: same fingerprint, same body.
    assert java_side["query_again"] == java_side["sent"]["query"]
    assert java_side["feedback_again"] == java_side["sent"]["feedback"]
