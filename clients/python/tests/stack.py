"""The real router for tests and the benchmark: a Java process running org.agentrouter.runtime.EmbeddedStack
(a Kafka broker, the topics, 200 random memories in namespace client-e2e, the Flink job), as the TypeScript
client's tests use it. Classpath: ROUTER_STACK_CLASSPATH, else the job module's packaged jar and its lib/
directory (built by ``mvn package``)."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import IO, Any, Dict, List, Optional

REPOSITORY = Path(__file__).resolve().parents[3]
NAMESPACE = "client-e2e"


def classpath() -> str:
    if os.environ.get("ROUTER_STACK_CLASSPATH"):
        return os.environ["ROUTER_STACK_CLASSPATH"]
    jar = REPOSITORY / "cli" / "target" / "router-cli.jar"
    if not jar.is_file():
        raise RuntimeError(f"{jar} is missing: run mvn package first, or set ROUTER_STACK_CLASSPATH")
    return os.pathsep.join([str(jar), str(REPOSITORY / "cli" / "target" / "lib" / "*")])


def java() -> str:
    home = os.environ.get("JAVA_HOME")
    return str(Path(home) / "bin" / "java") if home else "java"


class EmbeddedStack:
    """Starts on construction; ``cancel_job``/``start_job`` drive the job; ``stop`` ends the process. With ``traces``
    the job traces every query to an OTLP receiver in the stack's process, and ``spans`` reads what it received."""

    def __init__(self, start_timeout: float = 180.0, traces: bool = False, authenticated: bool = False) -> None:
        """``authenticated``: the broker wants SASL/SCRAM and enforces ACLs; the job runs as principal ``router`` and
        ``agent_properties`` is the Java-style properties file of principal ``agent``."""
        self._dir = Path(tempfile.mkdtemp(prefix="router-stack-"))
        self._log = open(self._dir / "stack.log", "w+")
        self.agent_properties: Optional[Path] = None
        self._process = subprocess.Popen(
            [java(), "-cp", classpath(), "org.agentrouter.runtime.EmbeddedStack", str(self._dir / "stack")]
            + (["--traces"] if traces else []) + (["--authenticated"] if authenticated else []),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True, cwd=REPOSITORY)
        self._replies: "queue.Queue[str]" = queue.Queue()
        self._spans: List[Dict[str, Any]] = []
        bootstrap: "queue.Queue[Optional[str]]" = queue.Queue()
        threading.Thread(target=self._read, args=(self._process.stdout, bootstrap), daemon=True).start()
        try:
            found = bootstrap.get(timeout=start_timeout)
        except queue.Empty:
            found = None
        if found is None:
            tail = self.log_tail()
            self.stop()
            raise RuntimeError(f"EmbeddedStack did not start within {start_timeout:g} s: {tail}")
        self.bootstrap: str = found

    def _read(self, out: IO[str], bootstrap: "queue.Queue[Optional[str]]") -> None:
        for line in out:
            line = line.strip()
            properties = re.match(r"^AGENT_PROPERTIES=(\S+)$", line)
            if properties:
                self.agent_properties = Path(properties.group(1))
            match = re.match(r"^BOOTSTRAP=(\S+)$", line)
            if match:
                bootstrap.put(match.group(1))
            elif line.startswith("SPAN "):
                self._spans.append(json.loads(line[5:]))
            elif line.startswith(("OK ", "ERROR ")):
                self._replies.put(line)
        bootstrap.put(None)  # the process ended
        self._replies.put("ERROR EmbeddedStack exited")

    def _command(self, command: str, timeout: float = 120.0) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        reply = self._replies.get(timeout=timeout)
        if reply != f"OK {command}":
            raise RuntimeError(f"{command}: {reply}")

    def cancel_job(self) -> None:
        """Cancels the routing job and waits until it is gone; the broker stays up."""
        self._command("cancel-job")

    def start_job(self) -> None:
        """Starts the job again on the same consumer group (it resumes from the committed offsets)."""
        self._command("start-job")

    def spans(self, trace_id: str) -> List[Dict[str, Any]]:
        """The job's spans of a trace received so far (service, traceId, spanId, parentSpanId, name, kind, attributes):
        kind 1 internal, 4 producer, 5 consumer. The job exports in batches: poll."""
        self._spans = []
        self._command(f"spans {trace_id}")
        return list(self._spans)

    def log_tail(self, chars: int = 4000) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read()[-chars:]

    def stop(self) -> None:
        if self._process.poll() is None:
            try:
                assert self._process.stdin is not None
                self._process.stdin.close()  # EmbeddedStack stops when its stdin closes
            except OSError:
                pass
            try:
                self._process.wait(20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log.close()
        shutil.rmtree(self._dir, ignore_errors=True)
