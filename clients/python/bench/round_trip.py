#!/usr/bin/env python3
"""Round-trip latency of AsyncRouterClient.route() against EmbeddedStack, open loop, as the Java and TypeScript
clients' benchmarks measure it (BENCHMARKS.md, "Client round trip"): calls start on schedule whether or not
earlier ones returned, so queueing shows in the tail; 5 s deadline; a 5 s warm-up at 20/s first.

Not a test. Needs the packaged job (``mvn package``) and the package installed (``run-tests.sh`` makes .venv):

    .venv/bin/python bench/round_trip.py --seconds 8 --rates 20,100
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, List

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from agent_router_client import AsyncRouterClient  # noqa: E402
from stack import EmbeddedStack  # noqa: E402
from support import query  # noqa: E402

if TYPE_CHECKING:
    from agent_router_client import AgentQuery

DEADLINE = 5.0


def percentile(ordered: List[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


async def run(client: AsyncRouterClient, per_second: int, seconds: float, label: str) -> None:
    samples: List[float] = []
    fallbacks = 0

    async def call(q: "AgentQuery") -> None:
        nonlocal fallbacks
        sent = time.perf_counter()
        decision = await client.route(q, deadline=DEADLINE)
        samples.append((time.perf_counter() - sent) * 1000)
        fallbacks += decision["fallback_level"] == "CLIENT_FALLBACK"

    calls = []
    total = int(per_second * seconds)
    # Queries (each with a fresh 384-d vector) are made before the clock starts: the client is measured, not them.
    queries = [query() for _ in range(total)]
    start = time.perf_counter()
    for i, q in enumerate(queries):
        wait = start + i / per_second - time.perf_counter()
        if wait > 0.001:
            await asyncio.sleep(wait)
        calls.append(asyncio.ensure_future(call(q)))
    await asyncio.gather(*calls)
    samples.sort()
    print(f"python {label} {per_second}/s x {seconds:g} s: n={len(samples)} p50={percentile(samples, 50):.2f} ms "
          f"p99={percentile(samples, 99):.2f} ms max={samples[-1]:.2f} ms client-fallbacks={fallbacks} "
          f"loadavg={os.getloadavg()[0]:.1f}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description="route() round-trip latency, open loop")
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per rate")
    parser.add_argument("--rates", default="20,100", help="calls per second, comma-separated")
    args = parser.parse_args()
    stack = EmbeddedStack()
    try:
        async with AsyncRouterClient(stack.bootstrap, deadline=DEADLINE) as client:
            await client.route(query(), deadline=60.0)
            await run(client, 20, 5, "warm-up")
            for rate in (int(r) for r in args.rates.split(",")):
                await run(client, rate, args.seconds, "measured")
    finally:
        stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
