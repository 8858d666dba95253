"""One consumer thread that reads ``routing-decisions`` for every pending call of a client."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, InvalidStateError
from typing import Any, Callable, Dict, List, Mapping, Optional

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from .errors import PermanentRouterError, RetriableRouterError
from .tracing import TRACEPARENT, TRACESTATE, TracedDecision, header_text
from .schemas import ROUTING_DECISIONS
from .security import refused_login_fix

LOG = logging.getLogger("agent_router_client")
TOPIC = ROUTING_DECISIONS


def settle(future: "Future[Any]", result: Any = None, error: "BaseException | None" = None) -> None:
    """Completes a future unless it is already done (a timeout or another outcome came first)."""
    if future.done():
        return
    try:
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)
    except InvalidStateError:
        pass


class DecisionListener:
    """Reads decisions and completes the future of the call that waits for each, matched by query id.

    Like the Java client's DecisionListener, it uses no consumer group: it assigns every partition at its
    end offset, taken when the client starts (nothing to rebalance, no offsets to commit, only decisions
    written after the start). librdkafka's binding insists on a ``group.id``; it gets a unique one that is
    never joined. The record key is the query id, so a decision for another client's query is dropped
    without decoding its value.
    """

    def __init__(self, bootstrap: str, client_id: str, decode: Callable[[bytes], Any],
                 extra_config: Mapping[str, Any]) -> None:
        self._decode = decode
        self._pending: Dict[str, "Future[Any]"] = {}
        self._lock = threading.Lock()
        self._running = True
        self.undecodable = 0
        # Set by librdkafka's error callback when the broker refuses the login: retrying cannot fix that.
        self._refused: Optional[str] = None
        user_error_cb = extra_config.get("error_cb")

        def on_error(error: KafkaError) -> None:
            if error.code() in (KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED):
                self._refused = error.str()
            if user_error_cb is not None:
                user_error_cb(error)

        config: Dict[str, Any] = {
            "bootstrap.servers": bootstrap,
            "client.id": f"{client_id}-decisions",
            "group.id": f"{client_id}-decisions-unjoined",
            "enable.auto.commit": False,
            "auto.offset.reset": "latest",
            # Decisions are small and wanted at once: do not wait to fill a batch.
            "fetch.wait.max.ms": 10,
            "isolation.level": "read_committed",
            "socket.nagle.disable": True,
            "logger": logging.getLogger("agent_router_client.kafka"),
        }
        config.update(extra_config)
        # For the refused-login message: the mechanism only, never a secret.
        self._mechanism = {k: config[k] for k in ("sasl.mechanism", "sasl.mechanisms") if k in config}
        config["error_cb"] = on_error
        self._consumer = Consumer(config)
        self._thread = threading.Thread(target=self._run, name=f"{client_id}-decision-listener", daemon=True)

    def start(self, timeout: float) -> None:
        """Assigns the partitions at their end and starts reading: no decision written after this returns is missed."""
        self._assign_at_end(timeout)
        self._thread.start()

    def expect(self, query_id: str) -> "Future[Any]":
        """Registers a call before its query is sent, so a fast decision cannot arrive before anyone waits for it."""
        future: "Future[Any]" = Future()
        with self._lock:
            self._pending[query_id] = future
        future.add_done_callback(lambda f: self._forget(query_id, f))
        return future

    def pending_calls(self) -> int:
        return len(self._pending)

    def _forget(self, query_id: str, future: "Future[Any]") -> None:
        with self._lock:
            if self._pending.get(query_id) is future:
                del self._pending[query_id]

    def _assign_at_end(self, timeout: float) -> None:
        until = time.monotonic() + timeout
        partitions: List[int] = []
        while not partitions and time.monotonic() < until:
            if self._refused is not None:
                raise PermanentRouterError(f"Kafka refused this client's login: {self._refused} "
                                           f"({refused_login_fix(self._mechanism)})")
            try:
                # Short rounds: a refused login shows only in the error callback, which poll() serves.
                self._consumer.poll(0)
                topic = self._consumer.list_topics(TOPIC, timeout=max(0.1, min(1.0, until - time.monotonic())))
                meta = topic.topics.get(TOPIC)
                if meta is not None and meta.error is None:
                    partitions = sorted(meta.partitions)
            except KafkaException as e:
                LOG.debug("no metadata for %s yet: %s", TOPIC, e)
            if not partitions:
                time.sleep(0.2)
        if not partitions:
            raise RetriableRouterError(f"no partitions of {TOPIC} within {timeout:g} s (broker unavailable or topic missing)")
        assignment = []
        for p in partitions:
            remaining = max(0.1, until - time.monotonic())
            try:
                _, high = self._consumer.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=remaining)
            except KafkaException as e:
                raise RetriableRouterError(f"no end offset of {TOPIC}[{p}] within {timeout:g} s: {e}") from e
            # The end as of now, resolved here rather than lazily, so "the end" means the moment we started.
            assignment.append(TopicPartition(TOPIC, p, high))
        self._consumer.assign(assignment)

    def _run(self) -> None:
        try:
            while self._running:
                try:
                    # poll() returns with the first record; consume() would wait out its whole timeout to fill a
                    # batch (librdkafka's batch call), adding up to that timeout to every call's latency.
                    first = self._consumer.poll(0.2)
                    if first is None:
                        continue
                    records = [first] + self._consumer.consume(num_messages=500, timeout=0)
                except KafkaException as e:
                    if e.args and isinstance(e.args[0], KafkaError) and e.args[0].fatal():
                        raise
                    LOG.warning("decision listener: %s", e)
                    continue
                for record in records:
                    if record.error() is not None:
                        if record.error().code() != KafkaError._PARTITION_EOF:
                            LOG.warning("decision listener: %s", record.error())
                        continue
                    key = record.key()
                    future = None if key is None else self._pending.get(key.decode("utf-8", "replace"))
                    if future is not None:
                        self._deliver(future, key, record.value(), record.headers())
        except Exception:
            LOG.exception("decision listener stopped; pending calls fall back at their deadline")

    def _deliver(self, future: "Future[Any]", key: bytes, value: bytes, headers: Optional[list] = None) -> None:
        try:
            decision = self._decode(value)
        except PermanentRouterError as e:
            self.undecodable += 1
            error = type(e)(f"decision for {key.decode('utf-8', 'replace')} is not readable by this client: {e}")
            error.__cause__ = e
            settle(future, error=error)
            return
        # The router's trace context (its routing span) comes back in the decision's headers.
        settle(future, TracedDecision(decision, header_text(headers, TRACEPARENT), header_text(headers, TRACESTATE)))

    def close(self) -> None:
        self._running = False
        if self._thread.is_alive():
            self._thread.join(3.0)
        self._consumer.close()
