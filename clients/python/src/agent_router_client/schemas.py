"""The project's Avro schemas, read from .avsc files, never copied into code.

Where they come from, first match wins:
1. ``schema_dir`` passed to the client, or the ``AGENT_ROUTER_SCHEMAS`` environment variable;
2. the copies the package build took from the repository's ``schemas/src/main/avro`` (``avro/`` inside the
   installed package; see setup.py), so an installed package works outside the repository;
3. in a source checkout that was never built, the repository's ``schemas/src/main/avro`` itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Union, cast

from fastavro.schema import parse_schema

ENV_VAR = "AGENT_ROUTER_SCHEMAS"
SCHEMA_FILES = ("Enums.avsc", "AgentQuery.avsc", "RoutingDecision.avsc", "RoutingFeedback.avsc")

_BUNDLED = Path(__file__).resolve().parent / "avro"
# src/agent_router_client -> src -> clients/python -> clients -> repository root
_REPOSITORY = Path(__file__).resolve().parents[4] / "schemas" / "src" / "main" / "avro"


def schema_dir(directory: Optional[Union[str, Path]] = None) -> Path:
    if directory is not None:
        return Path(directory)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    if (_BUNDLED / "AgentQuery.avsc").is_file():
        return _BUNDLED
    return _REPOSITORY


@dataclass(frozen=True)
class RouterSchemas:
    """The parsed (fastavro) schemas of the records a client sends and reads."""

    directory: Path
    agent_query: Dict[str, Any]
    routing_decision: Dict[str, Any]
    routing_feedback: Dict[str, Any]

    def field_names(self, schema: Dict[str, Any]) -> frozenset:
        return frozenset(f["name"] for f in schema["fields"])


def load_schemas(directory: Optional[Union[str, Path]] = None) -> RouterSchemas:
    where = schema_dir(directory)

    def read(name: str) -> Any:
        path = where / name
        if not path.is_file():
            raise FileNotFoundError(f"Avro schema {path} not found (pass schema_dir or set {ENV_VAR})")
        return json.loads(path.read_text(encoding="utf-8"))

    # Enums.avsc holds named types the records refer to by name.
    definitions = {_full_name(e["name"], e.get("namespace", "")): e for e in read("Enums.avsc")}

    def record(name: str) -> Dict[str, Any]:
        return cast(Dict[str, Any], parse_schema(self_contained(read(name), definitions)))

    return RouterSchemas(
        directory=where,
        agent_query=record("AgentQuery.avsc"),
        routing_decision=record("RoutingDecision.avsc"),
        routing_feedback=record("RoutingFeedback.avsc"),
    )


def _full_name(name: str, namespace: str) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


def self_contained(schema: Any, definitions: Dict[str, Any]) -> Any:
    """The schema with each named type of ``definitions`` it refers to defined at its first use, later uses by name.

    That is the schema the Java side compiles (avro-maven-plugin with Enums.avsc imported), and the form whose
    parsing canonical form, and so whose single-object fingerprint, Java computes. fastavro's ``named_schemas``
    would keep the reference, which gives another canonical form and another fingerprint.
    """
    defined: set = set()

    def walk(node: Any, namespace: str) -> Any:
        if isinstance(node, str):
            full = _full_name(node, namespace)
            if full in definitions and full not in defined:
                defined.add(full)
                return walk(dict(definitions[full]), namespace)
            return node
        if isinstance(node, list):
            return [walk(member, namespace) for member in node]
        if not isinstance(node, dict):
            return node
        kind = node.get("type")
        if kind in ("record", "error", "enum", "fixed"):
            full = _full_name(node["name"], node.get("namespace", namespace))
            defined.add(full)
            if kind in ("record", "error"):
                inner = full.rsplit(".", 1)[0] if "." in full else ""
                node = dict(node, fields=[dict(f, type=walk(f["type"], inner)) for f in node["fields"]])
            return node
        if kind == "array":
            return dict(node, items=walk(node["items"], namespace))
        if kind == "map":
            return dict(node, values=walk(node["values"], namespace))
        return dict(node, type=walk(kind, namespace))

    return walk(schema, "")


try:  # generated from topics.json when the package is built (scripts/generate_types.py)
    from .topics import AGENT_QUERIES, ROUTING_DECISIONS, ROUTING_FEEDBACK
except ImportError:  # a source checkout that was never built: the same names, read from the repository's file
    _TOPICS = {t["constant"]: t["name"]
               for t in json.loads((_REPOSITORY / "topics.json").read_text(encoding="utf-8"))["topics"]}
    AGENT_QUERIES, ROUTING_DECISIONS, ROUTING_FEEDBACK = (
        _TOPICS["AGENT_QUERIES"], _TOPICS["ROUTING_DECISIONS"], _TOPICS["ROUTING_FEEDBACK"])
