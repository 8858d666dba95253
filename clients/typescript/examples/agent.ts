/**
 * An agent that asks the router before every LLM call and reports the outcome.
 *   npm run agent -- 127.0.0.1:9092 "Find the race condition in my Go worker pool"
 * With ./router demo running, the namespace "code-assistant" has memories.
 */
import { randomUUID } from 'node:crypto';
import { RouterClient } from '../src';

async function main(): Promise<void> {
  const [bootstrap = '127.0.0.1:9092', text = 'Find the race condition in my Go worker pool'] = process.argv.slice(2);
  const client = await RouterClient.connect({ bootstrap: [bootstrap], deadlineMs: 1_000 });
  try {
    const query = { query_id: randomUUID(), namespace: 'code-assistant', user_id: 'example-agent', text,
      event_time_ms: Date.now(), context_k: 3 };
    const started = performance.now();
    const decision = await client.route(query);
    const ms = performance.now() - started;
    console.log(`route=${decision.route} model=${decision.model} level=${decision.fallback_level}`
      + `${decision.fallback_reason ? ` reason="${decision.fallback_reason}"` : ''} in ${ms.toFixed(1)} ms`);
    // ... call decision.model here, then tell the router how it went:
    await client.feedback(RouterClient.feedbackFor(decision, { success: true }));
  } finally {
    await client.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
