import { randomUUID } from 'node:crypto';
import type { AgentQuery } from '../src/types';

/** The namespace EmbeddedStack fills its memory store for. */
export const NAMESPACE = 'client-e2e';

/** A query with its own random unit vector, so the job retrieves without embedding the text. */
export function query(text = 'How do I rotate the API keys of my service?'): AgentQuery {
  const v = Array.from({ length: 384 }, () => gaussian());
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return { query_id: randomUUID(), namespace: NAMESPACE, user_id: 'u1', text, embedding: v.map((x) => x / norm),
    event_time_ms: Date.now(), context_k: 3 };
}

function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}
