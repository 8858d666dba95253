import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { CircuitBreaker } from '../src/breaker';
import { clientFallback, strongReason } from '../src/fallback';
import { loadTypes } from '../src/schemas';
import { SingleObjectCodec } from '../src/wire';
import { SchemaMismatchError } from '../src/errors';
import { kafkaSecurity, parseProperties } from '../src/security';
import type { AgentQuery, RoutingDecision } from '../src/types';

test('breaker opens after the threshold, half-opens after the cool-down, closes on success', () => {
  let now = 0;
  const b = new CircuitBreaker({ failureThreshold: 3, windowMs: 10_000, coolDownMs: 5_000 }, () => now);
  b.recordFailure(); b.recordFailure();
  assert.equal(b.state, 'CLOSED');
  b.recordFailure();
  assert.equal(b.state, 'OPEN');
  now += 4_999;
  assert.equal(b.allowsCall(), false);
  now += 1;
  assert.equal(b.state, 'HALF_OPEN');
  b.recordFailure();
  assert.equal(b.state, 'OPEN');
  now += 5_000;
  assert.equal(b.allowsCall(), true);
  b.recordSuccess();
  assert.equal(b.state, 'CLOSED');
});

test('failures outside the window do not count', () => {
  let now = 0;
  const b = new CircuitBreaker({ failureThreshold: 3, windowMs: 10_000, coolDownMs: 5_000 }, () => now);
  b.recordFailure(); b.recordFailure();
  now += 11_000;
  b.recordFailure();
  assert.equal(b.state, 'CLOSED');
});

test('fallback heuristic mirrors the job: code, math, long text and tags go strong', () => {
  assert.equal(strongReason('def f(x):\n  return x'), 'code in the query');
  assert.equal(strongReason('Solve for x: 3 + 4 = x'), 'mathematics in the query');
  assert.match(strongReason('a'.repeat(1501))!, /^long query/);
  assert.equal(strongReason('a'.repeat(1500)), null);
  assert.equal(strongReason('hello', ['Reasoning']), 'tag Reasoning');
  const q: AgentQuery = { query_id: 'q1', namespace: 'ns', text: 'What is the capital of France?', event_time_ms: 1 };
  const d = clientFallback(q, 'deadline', { cheap: 'c', strong: 's' });
  assert.equal(d.route, 'cheap');
  assert.equal(d.fallback_level, 'CLIENT_FALLBACK');
  assert.match(d.fallback_reason!, /^deadline/);
});

test('the local fallback is a valid RoutingDecision of the project schema', () => {
  const types = loadTypes();
  const codec = new SingleObjectCodec<RoutingDecision>(types.routingDecision);
  const q: AgentQuery = { query_id: 'q1', namespace: 'ns', text: 'x', event_time_ms: 1 };
  const d = clientFallback(q, 'why', { cheap: 'c', strong: 's' });
  assert.deepEqual(codec.decode(codec.encode(d)).query_id, 'q1');
});

test('bytes of another schema are a clear schema-mismatch error', () => {
  const types = loadTypes();
  const queries = new SingleObjectCodec<AgentQuery>(types.agentQuery);
  const decisions = new SingleObjectCodec(types.routingDecision);
  const bytes = queries.encode({ query_id: 'q1', namespace: 'ns', text: 'x', event_time_ms: 1 });
  assert.deepEqual(bytes.subarray(0, 2), Buffer.from([0xc3, 0x01]));
  assert.throws(() => decisions.decode(bytes), (e: unknown) => e instanceof SchemaMismatchError && !e.retriable
    && /unknown schema fingerprint/.test(e.message));
});

test('a SASL/SCRAM properties file becomes kafkajs options; escapes and continuations as java.util.Properties reads them', () => {
  const props = parseProperties([
    '# agent login',
    'security.protocol = SASL_SSL',
    'sasl.mechanism:SCRAM-SHA-512',
    'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\',
    '    username="agent" password="p\\\\"w=d";',
    'ssl.endpoint.identification.algorithm=',
    'a\\=b=c\\u0041',
  ].join('\n'));
  assert.equal(props.get('a=b'), 'cA');
  const security = kafkaSecurity(props);
  assert.deepEqual(security.sasl, { mechanism: 'scram-sha-512', username: 'agent', password: 'p"w=d' });
  assert.equal(typeof security.ssl, 'object');
  assert.equal((security.ssl as { checkServerIdentity: () => unknown }).checkServerIdentity(), undefined);
});

test('PLAINTEXT needs nothing; what Node cannot use is an error naming the setting', () => {
  assert.deepEqual(kafkaSecurity(parseProperties('')), {});
  assert.equal(kafkaSecurity(parseProperties('security.protocol=SSL')).ssl, true);
  assert.throws(() => kafkaSecurity(parseProperties('security.protocol=SASL_PLAINTEXT\nsasl.jaas.config=x')),
    /sasl.mechanism GSSAPI is not supported/);
  assert.throws(() => kafkaSecurity(parseProperties('security.protocol=SSL\nssl.truststore.location=/t.jks')),
    /ssl.truststore.type JKS/);
  assert.throws(() => kafkaSecurity(parseProperties('security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n'
    + 'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="a";')), /password/);
});
