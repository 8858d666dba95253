#!/usr/bin/env python3
"""An agent that asks the router before every LLM call, calls the chosen model, reports the outcome and prints
the running cost saved against sending everything to the strong model.

The "models" are a stub that answers from real outcomes: RouteLLM's MMLU data (../shared/data/routellm-mmlu
from the repository root, not shipped with the client) says for each question whether Mixtral-8x7B (the cheap
route) and GPT-4 (the strong route) answered it correctly, so this runs offline and the accuracy is real.

With ``./router demo`` running (a broker on 127.0.0.1:9092 and the job):

    python examples/mmlu_agent.py --limit 100

Exit codes as the router's command line: 0 done, 2 a wrong command line, 3 no router to talk to (no broker
answered, the login refused), 4 the data is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional

from agent_router_client import (AsyncRouterClient, KafkaSettingsError, Outcome, PermanentRouterError,
                                 RetriableRouterError, feedback_for, make_query)

if TYPE_CHECKING:
    from agent_router_client import RoutingDecision

REPOSITORY = Path(__file__).resolve().parents[3]
DEFAULT_DATA = REPOSITORY.parent / "shared" / "data" / "routellm-mmlu"
WEAK_COLUMN = "mistralai/Mixtral-8x7B-Instruct-v0.1"
STRONG_COLUMN = "gpt-4-1106-preview"
# Its strong-model labels are an answer-parsing failure of the source (see the data's README).
DEFECTIVE_SUBJECT = "high_school_mathematics"
# The job's default pricing table (PricingTable.defaults()): USD per million input/output tokens, 300 output
# tokens. Used only to price a call the router did not decide (a client fallback carries no cost).
PRICES = {"cheap": (0.60, 0.60), "strong": (10.00, 30.00)}
OUTPUT_TOKENS = 300
UNAVAILABLE, REFUSED = 3, 4  # the router's exit codes (README "Exit codes")


class Refused(Exception):
    """Input this example cannot use; the message names it and the fix."""


@dataclass(frozen=True)
class Question:
    subject: str
    prompt: str
    correct: Dict[str, bool]  # route -> did that route's model answer correctly


class StubModels:
    """Answers a question the way the real model did: correct or not, from the data set."""

    def call(self, question: Question, route: str) -> Outcome:
        started = time.monotonic()
        correct = question.correct[route]
        return Outcome(success=correct, tokens_used=estimated_tokens(question.prompt) + OUTPUT_TOKENS,
                       latency_ms=int((time.monotonic() - started) * 1000))


def estimated_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def list_price(route: str, text: str) -> float:
    per_input, per_output = PRICES[route]
    return (estimated_tokens(text) * per_input + OUTPUT_TOKENS * per_output) / 1e6


def load_questions(data: Path, subjects: Optional[List[str]], limit: int, seed: int) -> List[Question]:
    files = sorted(data.glob("mmlu_*.csv"))
    if not files:
        raise Refused(f"no mmlu_*.csv in {data} (pass --data DIR: the RouteLLM MMLU outcome data)")
    questions = []
    for path in files:
        subject = path.stem[len("mmlu_"):]
        if (subjects and subject not in subjects) or (not subjects and subject == DEFECTIVE_SUBJECT):
            continue
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                questions.append(Question(subject, row["prompt"], {"cheap": row[WEAK_COLUMN] == "True",
                                                                   "strong": row[STRONG_COLUMN] == "True"}))
    random.Random(seed).shuffle(questions)
    return questions[:limit]


@dataclass
class Ledger:
    """What the routed calls cost and scored, against all-strong and all-cheap on the same questions."""

    calls: int = 0
    strong_calls: int = 0
    fallbacks: int = 0
    correct: int = 0
    correct_all_strong: int = 0
    correct_all_cheap: int = 0
    cost: float = 0.0
    cost_all_strong: float = 0.0
    levels: Dict[str, int] = field(default_factory=dict)

    def add(self, question: Question, decision: "RoutingDecision", outcome: Outcome) -> None:
        self.calls += 1
        self.strong_calls += decision["route"] == "strong"
        level = decision["fallback_level"]
        self.levels[level] = self.levels.get(level, 0) + 1
        self.correct += bool(outcome.success)
        self.correct_all_strong += question.correct["strong"]
        self.correct_all_cheap += question.correct["cheap"]
        if level == "CLIENT_FALLBACK":  # the router did not price it: list prices, estimated tokens
            self.fallbacks += 1
            self.cost += list_price(decision["route"], question.prompt)
            self.cost_all_strong += list_price("strong", question.prompt)
        else:
            self.cost += decision["estimated_cost_usd"]
            self.cost_all_strong += decision["strong_cost_usd"]

    @property
    def saved(self) -> float:
        return self.cost_all_strong - self.cost

    def summary(self) -> str:
        n = max(self.calls, 1)
        share = self.saved / self.cost_all_strong if self.cost_all_strong else 0.0
        return (f"{self.calls} calls, {self.strong_calls / n:.0%} strong | accuracy {self.correct / n:.1%} "
                f"(all-strong {self.correct_all_strong / n:.1%}, all-cheap {self.correct_all_cheap / n:.1%}) | "
                f"cost ${self.cost:.4f} vs all-strong ${self.cost_all_strong:.4f}: saved ${self.saved:.4f} ({share:.0%})")


async def answer(router: AsyncRouterClient, models: StubModels, question: Question, namespace: str,
                 ledger: Ledger, index: int, verbose: bool) -> None:
    decision = await router.route(make_query(namespace, question.prompt, user_id="mmlu-agent", context_k=3,
                                             tags=[question.subject]))
    outcome = models.call(question, decision["route"])
    context_ids = [c["memory_id"] for c in decision["context"]]
    target = router.probe_target(decision)
    if target is not None:  # the router asks to try the other model too (no decision does yet)
        await router.feedback_probe(decision, outcome, models.call(question, target.route))
    else:
        await router.feedback(feedback_for(decision, success=outcome.success, tokens_used=outcome.tokens_used,
                                           latency_ms=outcome.latency_ms, context_ids_used=context_ids))
    ledger.add(question, decision, outcome)
    if verbose:
        verdict = "correct" if outcome.success else "wrong  "
        reason = f" ({decision['fallback_reason']})" if decision["fallback_level"] != "NONE" else ""
        print(f"{index:4d} {question.subject[:24]:24s} {decision['route']:6s} {decision['model']:22s} "
              f"p_strong={decision['p_strong']:.2f} {verdict} saved so far ${ledger.saved:.4f}{reason}", flush=True)


async def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092", help="Kafka of the router (default: %(default)s)")
    parser.add_argument("--kafka-properties", type=Path, help="Kafka client properties file for a broker that wants "
                        "TLS or a login (as the router's --kafka-properties)")
    parser.add_argument("--start-timeout", type=float, default=15.0,
                        help="seconds to wait for the broker at start (default: %(default)s)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"default: {DEFAULT_DATA}")
    parser.add_argument("--namespace", default="research-agent", help="memory namespace (a demo one by default)")
    parser.add_argument("--subjects", help="comma-separated MMLU subjects (default: all but the defective one)")
    parser.add_argument("--limit", type=int, default=50, help="questions to ask (default: %(default)s)")
    parser.add_argument("--concurrency", type=int, default=4, help="questions in flight at once")
    parser.add_argument("--deadline", type=float, default=2.0, help="route() deadline, seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quiet", action="store_true", help="only the summary")
    parser.add_argument("--debug", action="store_true", help="librdkafka's own warnings too")
    args = parser.parse_args(argv)
    # librdkafka logs every failed connection attempt; the one-line error below says what matters.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.debug:
        logging.getLogger("agent_router_client.kafka").setLevel(logging.CRITICAL)
    try:
        return await run(args)
    except Refused as e:
        print(f"error: {e}", file=sys.stderr)
        return REFUSED
    except KafkaSettingsError as e:
        print(f"error: {e}", file=sys.stderr)
        return REFUSED
    except RetriableRouterError as e:
        print(f"error: no router at {args.bootstrap}: {e} (start it: ./router demo, or pass --bootstrap HOST:PORT)",
              file=sys.stderr)
        return UNAVAILABLE
    except PermanentRouterError as e:
        print(f"error: {e}", file=sys.stderr)
        return UNAVAILABLE if "refused this client's login" in str(e) else REFUSED


async def run(args: argparse.Namespace) -> int:
    questions = load_questions(args.data, args.subjects.split(",") if args.subjects else None, args.limit, args.seed)
    models, ledger = StubModels(), Ledger()
    limit = asyncio.Semaphore(args.concurrency)
    async with AsyncRouterClient(args.bootstrap, deadline=args.deadline, client_id="mmlu-agent",
                                 start_timeout=args.start_timeout, kafka_properties=args.kafka_properties) as router:
        async def one(index: int, question: Question) -> None:
            async with limit:
                await answer(router, models, question, args.namespace, ledger, index, not args.quiet)

        await asyncio.gather(*(one(i, q) for i, q in enumerate(questions, 1)))
        print(ledger.summary())
        print(f"decisions by fallback level: {dict(sorted(ledger.levels.items()))}; breaker {router.breaker_state.value}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
