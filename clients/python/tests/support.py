"""Queries for the tests and the benchmark."""

from __future__ import annotations

import math
import random
from typing import Any

from agent_router_client import make_query

from stack import NAMESPACE

_random = random.Random(3)


def query(text: str = "How do I rotate the API keys of my service?", **fields: Any) -> Any:
    """A query with its own random unit vector, so the job retrieves without embedding the text."""
    v = [_random.gauss(0.0, 1.0) for _ in range(384)]
    norm = math.sqrt(sum(x * x for x in v))
    return make_query(NAMESPACE, text, user_id="u1", embedding=[x / norm for x in v], context_k=3, **fields)
