"""The Kafka client properties file the Java side takes (``--kafka-properties``), as librdkafka settings.

One file serves every client of the router: ``security.protocol``, ``sasl.mechanism`` and ``sasl.jaas.config``
(PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and the ``ssl.*`` stores become what confluent-kafka (librdkafka) needs for the
same login. What librdkafka cannot do is refused with an error naming the setting (GSSAPI or OAUTHBEARER from a Java
JAAS line, a JKS store, a PKCS12 trust store), never downgraded silently. Other settings of the file (timeouts,
tuning) are the Java clients' and are left out, as the TypeScript client does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Mapping, Optional, Union

MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
#: librdkafka before 2.6.1 repeats the client nonce in its SCRAM client-final-message; Kafka 4 brokers check the nonce
#: strictly (RFC 5802) and refuse every such login as "invalid credentials" (librdkafka pull request 4895). Debian 12's
#: librdkafka is 2.0.2.
SCRAM_ON_KAFKA_4_SINCE = (2, 6, 1)


class KafkaSettingsError(ValueError):
    """A properties file the client cannot turn into librdkafka settings; the message names the setting."""


def kafka_config_from_properties(path: Union[str, Path]) -> Dict[str, str]:
    """librdkafka settings for the login a Java properties file describes (``kafka_properties=`` of the clients)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as e:
        raise KafkaSettingsError(f"Kafka client properties file {file}: cannot be read ({e.strerror or e})") from e
    return kafka_config(parse_properties(text), f"Kafka client properties file {file}")


def kafka_config(settings: Mapping[str, str], source: str = "Kafka client settings") -> Dict[str, str]:
    """The same from settings already read; ``source`` names them in errors (never a secret)."""
    def fail(why: str) -> KafkaSettingsError:
        return KafkaSettingsError(f"{source}: {why}")

    if "bootstrap.servers" in settings:
        raise fail("sets bootstrap.servers: give the brokers to the client (the file says how to connect, not where)")
    protocol = settings.get("security.protocol", "PLAINTEXT").strip().upper()
    if protocol not in PROTOCOLS:
        raise fail(f"unknown security.protocol {protocol} ({', '.join(PROTOCOLS)})")
    config: Dict[str, str] = {"security.protocol": protocol}
    if protocol.startswith("SASL_"):
        config.update(_sasl(settings, fail))
    if protocol.endswith("SSL"):
        config.update(_tls(settings, fail))
    return config


def _sasl(settings: Mapping[str, str], fail) -> Dict[str, str]:  # type: ignore[no-untyped-def]
    # Kafka's default mechanism is GSSAPI (Kerberos): librdkafka has its own Kerberos settings, not a JAAS line.
    mechanism = settings.get("sasl.mechanism", "GSSAPI").strip().upper()
    if mechanism not in MECHANISMS:
        raise fail(f"sasl.mechanism {mechanism} is not supported here ({', '.join(MECHANISMS)}); "
                   "pass librdkafka's own sasl.* settings in kafka_config instead")
    jaas = settings.get("sasl.jaas.config")
    if not jaas:
        raise fail("sasl.jaas.config is missing (it holds username and password)")
    username = _jaas_option(jaas, "username")
    password = _jaas_option(jaas, "password")
    if username is None or password is None:
        raise fail('sasl.jaas.config needs username="..." and password="..."')
    return {"sasl.mechanism": mechanism, "sasl.username": username, "sasl.password": password}


def _jaas_option(jaas: str, name: str) -> Optional[str]:
    """A quoted option of a JAAS login module line; a backslash escapes a quote or a backslash."""
    m = re.search(r'(?:^|\s)' + re.escape(name) + r'\s*=\s*"((?:[^"\\]|\\.)*)"', jaas)
    return None if m is None else re.sub(r"\\(.)", r"\1", m.group(1))


def _tls(settings: Mapping[str, str], fail) -> Dict[str, str]:  # type: ignore[no-untyped-def]
    config: Dict[str, str] = {}
    # Kafka's default store type is JKS, which librdkafka (OpenSSL) cannot read.
    truststore_type = settings.get("ssl.truststore.type", "JKS").strip().upper()
    if "ssl.truststore.certificates" in settings:
        config["ssl.ca.pem"] = settings["ssl.truststore.certificates"]
    elif "ssl.truststore.location" in settings:
        if truststore_type != "PEM":
            raise fail(f"ssl.truststore.type {truststore_type}: librdkafka reads trusted certificates as PEM only "
                       "(keytool -exportcert -rfc, then ssl.truststore.type=PEM)")
        config["ssl.ca.location"] = settings["ssl.truststore.location"]
    keystore_type = settings.get("ssl.keystore.type", "JKS").strip().upper()
    if "ssl.keystore.key" in settings:
        config["ssl.key.pem"] = settings["ssl.keystore.key"]
        if "ssl.keystore.certificate.chain" in settings:
            config["ssl.certificate.pem"] = settings["ssl.keystore.certificate.chain"]
        if "ssl.key.password" in settings:
            config["ssl.key.password"] = settings["ssl.key.password"]
    elif "ssl.keystore.location" in settings:
        location = settings["ssl.keystore.location"]
        if keystore_type == "PKCS12":
            config["ssl.keystore.location"] = location
            if "ssl.keystore.password" in settings:
                config["ssl.keystore.password"] = settings["ssl.keystore.password"]
        elif keystore_type == "PEM":
            # A Kafka PEM key store file holds the private key and the certificate chain.
            config["ssl.key.location"] = location
            config["ssl.certificate.location"] = location
            if "ssl.key.password" in settings:
                config["ssl.key.password"] = settings["ssl.key.password"]
        else:
            raise fail(f"ssl.keystore.type {keystore_type}: librdkafka reads PKCS12 or PEM key stores only "
                       "(keytool -importkeystore -deststoretype PKCS12)")
    if "ssl.endpoint.identification.algorithm" in settings:
        # Java: empty turns the host name check off; librdkafka says "none".
        algorithm = settings["ssl.endpoint.identification.algorithm"].strip().lower()
        config["ssl.endpoint.identification.algorithm"] = algorithm or "none"
    return config


def scram_works_on_kafka_4(librdkafka_version: Optional[str] = None) -> bool:
    """Whether this librdkafka (default: the one confluent-kafka loaded) can log in with SCRAM to a Kafka 4 broker."""
    if librdkafka_version is None:
        from confluent_kafka import libversion
        librdkafka_version = libversion()[0]
    numbers = [int(n) for n in re.findall(r"\d+", librdkafka_version)[:3]]
    return tuple(numbers + [0] * (3 - len(numbers))) >= SCRAM_ON_KAFKA_4_SINCE


def refused_login_fix(config: Mapping[str, object], librdkafka_version: Optional[str] = None) -> str:
    """What to do when the broker refused this client's login, for the one-line error (never a secret)."""
    mechanism = str(config.get("sasl.mechanism", config.get("sasl.mechanisms", ""))).upper()
    if mechanism.startswith("SCRAM-") and not scram_works_on_kafka_4(librdkafka_version):
        if librdkafka_version is None:
            from confluent_kafka import libversion
            librdkafka_version = libversion()[0]
        wanted = ".".join(map(str, SCRAM_ON_KAFKA_4_SINCE))
        return (f"if the password is right: librdkafka {librdkafka_version} cannot log in with SCRAM to Kafka 4 "
                f"brokers, use librdkafka {wanted} or newer, or PLAIN over TLS")
    return "check the user, password and mechanism of kafka_properties or kafka_config"


def parse_properties(text: str) -> Dict[str, str]:
    """java.util.Properties text: ``key=value``, ``key: value`` or ``key value`` lines, ``#`` and ``!`` comments, a
    trailing backslash continues a line, and backslash escapes (``\\=``, ``\\:``, ``\\\\``, ``\\n``, ``\\t``, ``\\uXXXX``)."""
    out: Dict[str, str] = {}
    lines = re.split(r"\r\n|\r|\n", text)
    i = 0
    while i < len(lines):
        line = lines[i].lstrip(" \t\f")
        i += 1
        if not line or line[0] in "#!":
            continue
        while _continues(line) and i < len(lines):
            line = line[:-1] + lines[i].lstrip(" \t\f")
            i += 1
        k = 0
        while k < len(line) and line[k] not in "=: \t\f":
            k += 2 if line[k] == "\\" else 1
        key = _unescape(line[:k])
        rest = line[k:].lstrip(" \t\f")
        if rest[:1] in ("=", ":"):
            rest = rest[1:].lstrip(" \t\f")
        out[key] = _unescape(rest)
    return out


def _continues(line: str) -> bool:
    backslashes = len(line) - len(line.rstrip("\\"))
    return backslashes % 2 == 1


def _unescape(s: str) -> str:
    def one(m: "re.Match[str]") -> str:
        c = m.group(1)
        if len(c) == 5:
            return chr(int(c[1:], 16))
        return {"n": "\n", "t": "\t", "r": "\r", "f": "\f"}.get(c, c)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", one, s)
