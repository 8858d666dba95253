"""The Java side's Kafka client properties file as librdkafka settings: what maps, what is refused and why."""

from __future__ import annotations

from pathlib import Path

import pytest
from confluent_kafka import Producer

from agent_router_client import (KafkaSettingsError, kafka_config, kafka_config_from_properties, parse_properties,
                                 scram_works_on_kafka_4)
from agent_router_client.security import refused_login_fix

# Two layers of escapes, as in a real file: the properties file's (\\ and \"), then the JAAS line's (\").
SCRAM = (r'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required '
         r'username="agent" password="s3cr\\\"et";' '\n')


def test_properties_text_is_read_as_java_reads_it() -> None:
    text = ("# comment\n! also a comment\n  a=1\nb : 2\nc 3\nd=one \\\n    two\ne=tab\\tnew\\nline \\u00e9\n"
            "f\\=g=h\nempty=\n")
    assert parse_properties(text) == {"a": "1", "b": "2", "c": "3", "d": "one two", "e": "tab\tnew\nline \u00e9",
                                      "f=g": "h", "empty": ""}


def test_scram_over_tls_with_a_pem_trust_store(tmp_path: Path) -> None:
    file = tmp_path / "agent.properties"
    file.write_text("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n" + SCRAM
                    + "ssl.truststore.type=PEM\nssl.truststore.location=/etc/agent-router/ca.pem\n"
                    + "request.timeout.ms=30000\n", encoding="utf-8")
    assert kafka_config_from_properties(file) == {
        "security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "agent",
        "sasl.password": 's3cr"et', "ssl.ca.location": "/etc/agent-router/ca.pem"}


def test_plain_without_tls_and_plaintext_without_anything() -> None:
    assert kafka_config({"security.protocol": "sasl_plaintext", "sasl.mechanism": "PLAIN",
                         "sasl.jaas.config": 'x.PlainLoginModule required username="u" password="p";'}) == {
        "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN", "sasl.username": "u", "sasl.password": "p"}
    assert kafka_config({}) == {"security.protocol": "PLAINTEXT"}


def test_mtls_key_stores_pkcs12_and_pem_and_inline_pem() -> None:
    assert kafka_config({"security.protocol": "SSL", "ssl.keystore.type": "PKCS12", "ssl.keystore.location": "/k.p12",
                         "ssl.keystore.password": "changeit", "ssl.truststore.certificates": "-----BEGIN CERTIFICATE-----",
                         "ssl.endpoint.identification.algorithm": ""}) == {
        "security.protocol": "SSL", "ssl.keystore.location": "/k.p12", "ssl.keystore.password": "changeit",
        "ssl.ca.pem": "-----BEGIN CERTIFICATE-----", "ssl.endpoint.identification.algorithm": "none"}
    assert kafka_config({"security.protocol": "SSL", "ssl.keystore.type": "PEM", "ssl.keystore.location": "/k.pem",
                         "ssl.key.password": "pw"}) == {
        "security.protocol": "SSL", "ssl.key.location": "/k.pem", "ssl.certificate.location": "/k.pem",
        "ssl.key.password": "pw"}
    assert kafka_config({"security.protocol": "SSL", "ssl.keystore.key": "KEY", "ssl.keystore.certificate.chain": "CHAIN"}) == {
        "security.protocol": "SSL", "ssl.key.pem": "KEY", "ssl.certificate.pem": "CHAIN"}


@pytest.mark.parametrize("settings, named", [
    ({"security.protocol": "SASL_SSL"}, "sasl.mechanism GSSAPI is not supported"),
    ({"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "OAUTHBEARER"}, "sasl.mechanism OAUTHBEARER"),
    ({"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN"}, "sasl.jaas.config is missing"),
    ({"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN", "sasl.jaas.config": "x required;"},
     'needs username="..." and password="..."'),
    ({"security.protocol": "SSL", "ssl.truststore.location": "/t.jks"}, "ssl.truststore.type JKS"),
    ({"security.protocol": "SSL", "ssl.truststore.type": "PKCS12", "ssl.truststore.location": "/t.p12"},
     "ssl.truststore.type PKCS12"),
    ({"security.protocol": "SSL", "ssl.keystore.location": "/k.jks"}, "ssl.keystore.type JKS"),
    ({"security.protocol": "TLS"}, "unknown security.protocol TLS"),
    ({"bootstrap.servers": "x:9092"}, "sets bootstrap.servers"),
])
def test_what_librdkafka_cannot_do_is_refused_naming_the_setting(settings: dict, named: str) -> None:
    with pytest.raises(KafkaSettingsError, match="^Kafka client settings: .*" + named.replace("(", r"\(").replace(".", r"\.")):
        kafka_config(settings)


def test_a_missing_file_is_named_and_no_secret_is_ever_in_a_message(tmp_path: Path) -> None:
    with pytest.raises(KafkaSettingsError, match="nope.properties: cannot be read"):
        kafka_config_from_properties(tmp_path / "nope.properties")
    file = tmp_path / "bad.properties"
    file.write_text("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\n" + SCRAM
                    + "ssl.truststore.location=/t.jks\n", encoding="utf-8")
    with pytest.raises(KafkaSettingsError) as raised:
        kafka_config_from_properties(file)
    assert "s3cr" not in str(raised.value) and str(file) in str(raised.value)


def test_librdkafka_takes_every_mapping() -> None:
    # librdkafka checks names and values when a client is made: each mapped setting is one it knows.
    for settings in ({"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-256",
                      "sasl.jaas.config": 'x required username="u" password="p";', "ssl.endpoint.identification.algorithm": ""},
                     {"security.protocol": "SSL", "ssl.truststore.certificates": "", "ssl.keystore.key": "", "ssl.key.password": "k"}):
        config = kafka_config(settings)
        config = {k: v for k, v in config.items() if not k.endswith(".pem")}  # empty PEM text would fail to parse
        Producer(dict(config, **{"bootstrap.servers": "127.0.0.1:1"})).flush(0)


def test_a_librdkafka_that_cannot_do_scram_on_kafka_4_is_named_in_the_refusal() -> None:
    assert not scram_works_on_kafka_4("2.0.2") and not scram_works_on_kafka_4("2.6.0")
    assert scram_works_on_kafka_4("2.6.1") and scram_works_on_kafka_4("2.10.0") and scram_works_on_kafka_4("3.0")
    assert "librdkafka 2.0.2 cannot log in with SCRAM to Kafka 4 brokers, use librdkafka 2.6.1" in refused_login_fix(
        {"sasl.mechanism": "SCRAM-SHA-256"}, "2.0.2")
    assert refused_login_fix({"sasl.mechanism": "SCRAM-SHA-256"}, "2.10.1").startswith("check the user, password")
    assert refused_login_fix({"sasl.mechanism": "PLAIN"}, "2.0.2").startswith("check the user, password")
