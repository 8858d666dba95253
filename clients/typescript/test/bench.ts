/**
 * Round-trip latency of route() against the embedded stack, open loop, at 20, 100 and 1,000 calls/s.
 * Not a test: `npm run bench [-- seconds-per-rate]`. Needs the packaged job like the tests.
 */
import { RouterClient } from '../src/client';
import { startStack } from './stack';
import { query } from './support';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function run(client: RouterClient, perSecond: number, seconds: number, label: string): Promise<void> {
  const samples: number[] = [];
  let fallbacks = 0;
  const calls: Promise<void>[] = [];
  const interval = 1000 / perSecond;
  const start = performance.now();
  for (let i = 0; i < perSecond * seconds; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    calls.push(client.route(query(), { deadlineMs: 5_000 }).then((d) => {
      samples.push(performance.now() - sent);
      if (d.fallback_level === 'CLIENT_FALLBACK') fallbacks++;
    }));
  }
  await Promise.all(calls);
  samples.sort((a, b) => a - b);
  console.log(`ts ${label} ${perSecond}/s x ${seconds} s: n=${samples.length} p50=${percentile(samples, 50).toFixed(2)} ms `
    + `p99=${percentile(samples, 99).toFixed(2)} ms max=${samples[samples.length - 1].toFixed(2)} ms client-fallbacks=${fallbacks}`);
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const stack = await startStack();
  const client = await RouterClient.connect({ bootstrap: [stack.bootstrap], deadlineMs: 5_000 });
  try {
    await client.route(query(), { deadlineMs: 60_000 });
    await run(client, 20, 5, 'warm-up');
    for (const rate of [20, 100, 1000]) await run(client, rate, seconds, 'measured');
  } finally {
    await client.close();
    await stack.stop();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
