import type { AgentQuery, RoutingDecision } from './types';

/**
 * The client's own decision when the router does not answer in time or the breaker is open. Mirrors
 * the job's heuristic level (operators' HeuristicRoute and TextSignals) and the Java ClientFallback:
 * code, mathematics, long texts and code/math/reasoning tags go strong, the rest cheap.
 */
export const LONG_QUERY_CHARS = 1500;

const CODE = /```|\b(def|class|function|return|import|public static|#include|SELECT\s+.+\s+FROM|console\.log|=>)\b|[{};]\s*$/im;
const MATH = /\\(frac|sum|int|sqrt)|\$[^$]+\$|\b(integral|derivative|equation|solve for|prove that|theorem|probability)\b|\d+\s*[-+*/^=]\s*\d+/i;

/** The reason the query needs the strong route, or null when the cheap route will do. */
export function strongReason(text: string, tags: string[] = []): string | null {
  if (CODE.test(text)) return 'code in the query';
  if (MATH.test(text)) return 'mathematics in the query';
  if (text.length > LONG_QUERY_CHARS) return `long query (${text.length} chars)`;
  for (const t of tags) {
    const lower = t.toLowerCase();
    if (lower === 'code' || lower === 'math' || lower === 'reasoning') return `tag ${t}`;
  }
  return null;
}

export interface FallbackModels { cheap: string; strong: string }

export function clientFallback(query: AgentQuery, why: string, models: FallbackModels): RoutingDecision {
  const strong = strongReason(query.text, query.tags ?? []);
  const route = strong ? 'strong' : 'cheap';
  return {
    query_id: query.query_id,
    namespace: query.namespace,
    user_id: query.user_id ?? '',
    route,
    model: strong ? models.strong : models.cheap,
    // Nothing was scored: 0.5 says the heuristic is a coarse guess.
    confidence: 0.5,
    p_strong: strong ? 1 : 0,
    prediction_set: ['cheap', 'strong'],
    uncertain: true,
    alpha: query.alpha ?? 0,
    context: [],
    candidates_considered: 0,
    estimated_cost_usd: 0,
    strong_cost_usd: 0,
    fallback_level: 'CLIENT_FALLBACK',
    fallback_reason: `${why}; client heuristic: ${strong ?? 'no code, math or long text'}`,
    model_version: 'client-heuristic',
    model_role: 'client',
    event_time_ms: query.event_time_ms,
    decided_at_ms: Date.now(),
    processing_latency_us: 0,
  };
}
