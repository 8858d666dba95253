"""Avro single-object encoding, as the Java side writes it (org.agentrouter.wire.AvroWire).

Marker C3 01, the 8-byte little-endian CRC-64-AVRO fingerprint of the schema's parsing canonical form
(computed by fastavro), then the binary body (fastavro's schemaless encoding). A record whose fingerprint
is not this codec's schema is refused, not misread.
"""

from __future__ import annotations

import io
from typing import Any, Collection, Dict, Generic, TypeVar

from fastavro import schemaless_reader, schemaless_writer
from fastavro.schema import fingerprint, to_parsing_canonical_form
from fastavro.validation import ValidationError, validate

from .errors import PermanentRouterError, SchemaMismatchError

T = TypeVar("T")

MARKER = b"\xc3\x01"
HEADER_LENGTH = 10


def single_object_fingerprint(schema: Dict[str, Any]) -> bytes:
    """The 8 bytes single-object encoding puts after the marker (fastavro's hex is already little-endian)."""
    return bytes.fromhex(fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))


class SingleObjectCodec(Generic[T]):
    """Encodes and decodes one record type. Thread-safe (no state but the schema)."""

    def __init__(self, schema: Dict[str, Any], unchecked_fields: Collection[str] = ()) -> None:
        """``unchecked_fields``: nullable fields whose values the type check before encoding skips because they
        are large (a 384-float embedding triples the cost of a call's encoding); the encoder still refuses a
        value of the wrong type there, and a caller checks what else matters (QueryValidation: finite floats)."""
        self.schema = schema
        self.name = schema["name"].rsplit(".", 1)[-1]
        self.fingerprint = single_object_fingerprint(schema)
        self._header = MARKER + self.fingerprint
        self._unchecked = frozenset(unchecked_fields)

    def encode(self, record: T) -> bytes:
        """Raises PermanentRouterError for a record that does not fit the schema."""
        # fastavro's writer alone would write 1.5 as the int 1, or the string "code" as the array of its letters.
        try:
            checked = {k: None if k in self._unchecked else v for k, v in record.items()}  # type: ignore[attr-defined]
            validate(checked, self.schema, raise_errors=True, strict=True)
        except ValidationError as e:
            problems = [str(p) for p in getattr(e, "errors", None) or [e]]
            raise PermanentRouterError(f"cannot encode {self.name}: {'; '.join(problems)}") from e
        except Exception as e:  # not a mapping, ...
            raise PermanentRouterError(f"cannot encode {self.name}: {type(e).__name__}: {e}") from e
        out = io.BytesIO()
        out.write(self._header)
        try:
            # strict_allow_default: a field the schema lacks is an error; one left out takes the schema's default.
            schemaless_writer(out, self.schema, record, strict_allow_default=True)
        except Exception as e:  # fastavro raises ValueError, TypeError, KeyError, struct.error ... for bad records
            raise PermanentRouterError(f"cannot encode {self.name}: {type(e).__name__}: {e}") from e
        return out.getvalue()

    def decode(self, data: bytes) -> T:
        if data is None or len(data) < HEADER_LENGTH or data[:2] != MARKER:
            size = 0 if data is None else len(data)
            raise PermanentRouterError(f"not Avro single-object encoded ({size} bytes)")
        found = data[2:HEADER_LENGTH]
        if found != self.fingerprint:
            raise SchemaMismatchError(
                f"unknown schema fingerprint {found.hex()}: not the {self.name} schema this client loaded "
                f"({self.fingerprint.hex()})")
        body = io.BytesIO(data)
        body.seek(HEADER_LENGTH)
        try:
            record = schemaless_reader(body, self.schema)
        except Exception as e:
            raise PermanentRouterError(f"truncated or corrupt {self.name} body: {type(e).__name__}: {e}") from e
        return record  # type: ignore[return-value]
