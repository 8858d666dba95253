import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RouterClient } from '../src/client';
import * as fs from 'node:fs';
import { PermanentRouterError } from '../src/errors';
import { kafkaSecurityFromProperties } from '../src/security';
import { JobSpan, startStack, Stack } from './stack';
import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { decisionContext, parseTraceparent } from '../src/tracing';
import { randomBytes } from 'node:crypto';
import { NAMESPACE, query } from './support';

// The real broker and the real job in a Java child process (see stack.ts). The broker wants SASL/SCRAM and
// enforces ACLs: the client logs in as principal `agent` with the properties file the Java side reads too.
let stack: Stack;
let client: RouterClient;

before(async () => {
  stack = await startStack(120_000, true, true);
  client = await RouterClient.connect({ bootstrap: [stack.bootstrap], deadlineMs: 2_000,
    breaker: { failureThreshold: 5, windowMs: 30_000, coolDownMs: 2_000 },
    ...kafkaSecurityFromProperties(stack.agentProperties!) });
}, { timeout: 180_000 });

after(async () => {
  await client?.close();
  await stack?.stop();
});

test('concurrent calls get the router\'s decisions, matched by query id', { timeout: 120_000 }, async () => {
  // The first decision waits for the job to be ready.
  const first = await client.route(query(), { deadlineMs: 60_000 });
  assert.equal(first.fallback_level, 'NONE', String(first.fallback_reason));
  const queries = Array.from({ length: 200 }, () => query());
  const decisions = await Promise.all(queries.map((q) => client.route(q, { deadlineMs: 10_000 })));
  decisions.forEach((d, i) => {
    assert.equal(d.query_id, queries[i].query_id);
    assert.notEqual(d.fallback_level, 'CLIENT_FALLBACK', String(d.fallback_reason));
  });
  const outcome = RouterClient.feedbackFor(first, { success: true });
  assert.equal(outcome.model_version, first.model_version);
  await client.feedback(outcome);
  assert.equal(client.breakerState, 'CLOSED');
});

test('without credentials, or with a wrong password, the broker refuses the client', { timeout: 60_000 }, async () => {
  // No SASL at all: the broker drops the requests, so kafkajs gives up after its retries.
  await assert.rejects(RouterClient.connect({ bootstrap: [stack.bootstrap], clientId: 'router-client-anonymous' }));
  const wrong = stack.agentProperties!.replace(/\.properties$/, '-wrong.properties');
  fs.writeFileSync(wrong, fs.readFileSync(stack.agentProperties!, 'utf8').replace(/password="[^"]*"/, 'password="not-it"'));
  await assert.rejects(RouterClient.connect({ bootstrap: [stack.bootstrap], ...kafkaSecurityFromProperties(wrong) }),
    (e: unknown) => e instanceof PermanentRouterError && /refused this client/.test(e.message));
});

/** The job's spans of a trace once it has the consume span and `stages` under it (export is batched: poll). */
async function jobTrace(traceId: string, stages: string[]): Promise<{ spans: JobSpan[]; consume: JobSpan }> {
  const until = Date.now() + 30_000;
  for (;;) {
    const spans = await stack.spans(traceId);
    const consume = spans.find((s) => s.name === 'process agent-queries' && s.kind === 5);
    if (consume && stages.every((st) => spans.some((s) => s.name === st && s.parentSpanId === consume.spanId))) {
      return { spans, consume };
    }
    if (Date.now() > until) assert.fail(`trace ${traceId} incomplete: ${JSON.stringify(spans.map((s) => s.name))}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a traced call is one trace: the agent\'s span, every stage of the job, then the agent\'s LLM call', { timeout: 90_000 },
  async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const traced = await RouterClient.connect({ bootstrap: [stack.bootstrap], deadlineMs: 2_000, tracerProvider: provider,
      ...kafkaSecurityFromProperties(stack.agentProperties!) });
    try {
      const q = { ...query(), embedding: null }; // no vector: the job embeds it, so the embed stage is in the trace
      const routed = await traced.routeTraced(q, { deadlineMs: 60_000 });
      assert.equal(routed.decision.fallback_level, 'NONE', String(routed.decision.fallback_reason));
      const llm = provider.getTracer('agent').startSpan('chat', { kind: SpanKind.CLIENT }, decisionContext(routed));
      llm.end();
      const mine = exporter.getFinishedSpans().find((s: ReadableSpan) => s.name === 'route'
        && s.attributes['messaging.message.id'] === q.query_id);
      assert.ok(mine, 'the client span');
      assert.equal(mine!.kind, SpanKind.PRODUCER);
      const { traceId, spanId } = mine!.spanContext();
      const stages = ['decode', 'embed', 'retrieve', 'score', 'route'];
      const { spans, consume } = await jobTrace(traceId, stages);
      assert.equal(consume.parentSpanId, spanId, 'the job continues the agent\'s span');
      assert.equal(consume.attributes['messaging.message.id'], q.query_id);
      const routing = spans.find((s) => s.name === 'route' && s.kind === 1)!;
      assert.equal(parseTraceparent(routed.traceparent)?.spanId, routing.spanId, 'the decision carries the routing span');
      assert.equal(routing.attributes['agent_router.route'], routed.decision.route);
      assert.equal(llm.spanContext().traceId, traceId);
      const llmSpan = exporter.getFinishedSpans().find((s: ReadableSpan) => s.name === 'chat')!;
      assert.equal(llmSpan.parentSpanContext?.spanId, routing.spanId, 'the LLM call is the routing span\'s child');
      for (const s of spans) {
        for (const v of Object.values(s.attributes)) assert.ok(!String(v).includes(q.text), `query text in ${s.name}`);
      }
    } finally {
      await traced.close();
      await provider.shutdown();
    }
  });

test('a caller\'s own traceparent goes to the job and back, without an SDK', { timeout: 60_000 }, async () => {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  const routed = await client.routeTraced(query(), { deadlineMs: 30_000, traceparent: `00-${traceId}-${spanId}-01` });
  assert.equal(routed.decision.fallback_level, 'NONE', String(routed.decision.fallback_reason));
  const { consume, spans } = await jobTrace(traceId, ['decode', 'retrieve', 'score', 'route']);
  assert.equal(consume.parentSpanId, spanId);
  const back = parseTraceparent(routed.traceparent);
  assert.equal(back?.traceId, traceId);
  assert.equal(back?.spanId, spans.find((s) => s.name === 'route' && s.kind === 1)!.spanId);
});

test('an invalid query is a permanent error', async () => {
  await assert.rejects(client.route({ ...query(), text: '' }),
    (e: unknown) => e instanceof PermanentRouterError && !e.retriable);
});

test('job down: fallbacks within the deadline, the breaker opens; job back: routing resumes, breaker closes',
  { timeout: 150_000 }, async () => {
    await stack.cancelJob();
    const started = performance.now();
    const fallbacks = await Promise.all(Array.from({ length: 5 }, () => client.route(query())));
    const took = performance.now() - started;
    for (const d of fallbacks) {
      assert.equal(d.fallback_level, 'CLIENT_FALLBACK');
      assert.match(String(d.fallback_reason), /no decision within/);
    }
    // The deadline is the client's contract; the margin absorbs scheduling on a loaded 2-core CI machine.
    assert.ok(took < 2_000 + 1_500, `fallbacks within deadline + margin, took ${took.toFixed(0)} ms`);
    assert.equal(client.breakerState, 'OPEN');
    const refused = await client.route(query());
    assert.match(String(refused.fallback_reason), /^circuit breaker open/);

    await stack.startJob();
    const until = Date.now() + 90_000;
    let recovered = false;
    while (!recovered && Date.now() < until) {
      if (client.breakerState === 'OPEN') { await new Promise((r) => setTimeout(r, 200)); continue; }
      const d = await client.route(query(), { deadlineMs: 20_000 });
      recovered = d.fallback_level !== 'CLIENT_FALLBACK';
    }
    assert.ok(recovered, 'routing resumed after the job restarted');
    assert.equal(client.breakerState, 'CLOSED');
  });
