import type * as otel from '@opentelemetry/api';
import type { AgentQuery, RoutingDecision } from './types';
import { AGENT_QUERIES } from './generated/topics';

/**
 * W3C trace context on the query record and back from the decision record (Kafka headers `traceparent` and
 * `tracestate`, the messaging convention the router's job reads and writes). With `@opentelemetry/api` installed (an
 * optional peer dependency) each route() is a PRODUCER span `route`, a child of the active context, and its context
 * goes on the query; without it a caller's own `traceparent` is forwarded as given.
 */

/** A decision with the trace context it came back with: the router's routing span, the caller's, or none. */
export interface TracedDecision {
  decision: RoutingDecision;
  /** W3C traceparent to continue from (the agent's LLM call); undefined when nobody traced the query. */
  traceparent?: string;
  tracestate?: string;
}

let api: typeof otel | null | undefined;

/** `@opentelemetry/api` when the agent has it, else null (loaded once). */
export function openTelemetryApi(): typeof otel | null {
  if (api === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      api = require('@opentelemetry/api') as typeof otel;
    } catch {
      api = null;
    }
  }
  return api;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The header of a span context: `00-<trace id>-<span id>-<flags>`. */
export function formatTraceparent(c: { traceId: string; spanId: string; traceFlags: number }): string {
  return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The ids and flags of a W3C traceparent, or undefined when it is not one (all-zero ids, version ff, bad shape). */
export function parseTraceparent(header: string | undefined):
    { traceId: string; spanId: string; traceFlags: number } | undefined {
  const m = header ? TRACEPARENT.exec(header.trim()) : null;
  if (!m || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return undefined;
  if (/^0+$/.test(m[2]) || /^0+$/.test(m[3])) return undefined;
  return { traceId: m[2], spanId: m[3], traceFlags: parseInt(m[4], 16) };
}

/**
 * An OpenTelemetry context whose span is the decision's (a remote parent), so the agent's next span continues the
 * trace: `tracer.startSpan('chat', { kind: SpanKind.CLIENT }, decisionContext(traced))`. Needs `@opentelemetry/api`.
 */
export function decisionContext(traced: TracedDecision, base?: otel.Context): otel.Context {
  const o = openTelemetryApi();
  if (!o) throw new Error('decisionContext needs the optional dependency @opentelemetry/api');
  const parent = base ?? o.context.active();
  const ids = parseTraceparent(traced.traceparent);
  if (!ids) return parent;
  return o.trace.setSpanContext(parent, {
    ...ids,
    isRemote: true,
    traceState: traced.tracestate ? o.createTraceState(traced.tracestate) : undefined,
  });
}

/** The client's span of one call, or, without the API, just the caller's context forwarded. */
export class RouteSpan {
  private constructor(private readonly span: otel.Span | undefined, readonly traceparent: string | undefined,
                      readonly tracestate: string | undefined) {}

  static start(query: AgentQuery, tracerProvider: otel.TracerProvider | undefined,
               given: { traceparent?: string; tracestate?: string }): RouteSpan {
    const o = openTelemetryApi();
    if (!o) return new RouteSpan(undefined, parseTraceparent(given.traceparent) ? given.traceparent : undefined, given.tracestate);
    let parent = o.context.active();
    const caller = parseTraceparent(given.traceparent);
    if (caller) {
      parent = o.trace.setSpanContext(parent, { ...caller, isRemote: true,
        traceState: given.tracestate ? o.createTraceState(given.tracestate) : undefined });
    }
    const tracer = (tracerProvider ?? o.trace.getTracerProvider()).getTracer('@agent-router/client');
    const span = tracer.startSpan('route', {
      kind: o.SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.destination.name': AGENT_QUERIES,
        'messaging.message.id': query.query_id,
        'agent_router.namespace': query.namespace,
      },
    }, parent);
    const c = span.spanContext();
    if (!o.isSpanContextValid(c)) return new RouteSpan(span, undefined, undefined);
    return new RouteSpan(span, formatTraceparent(c), c.traceState?.serialize() || undefined);
  }

  /** Headers for the query record. */
  headers(): Record<string, string> {
    const h: Record<string, string> = {};
    if (this.traceparent) h.traceparent = this.traceparent;
    if (this.traceparent && this.tracestate) h.tracestate = this.tracestate;
    return h;
  }

  /** Ends the span with what was decided; a local fallback marks it failed and continues from this span. */
  end(traced: TracedDecision, fallback: boolean): TracedDecision {
    const d = traced.decision;
    if (this.span) {
      this.span.setAttributes({ 'agent_router.route': d.route, 'agent_router.model': d.model,
        'agent_router.fallback.level': d.fallback_level });
      if (fallback) {
        if (d.fallback_reason) this.span.setAttribute('agent_router.fallback.reason', d.fallback_reason);
        this.span.setStatus({ code: 2 /* SpanStatusCode.ERROR */, message: d.fallback_reason ?? 'client fallback' });
      }
      this.span.end();
    }
    return fallback ? { decision: d, traceparent: this.traceparent, tracestate: this.tracestate } : traced;
  }

  fail(e: unknown): void {
    if (!this.span) return;
    this.span.setStatus({ code: 2, message: String((e as Error)?.message ?? e) });
    this.span.end();
  }
}

/** A Kafka header value as kafkajs gives it. */
export function headerText(v: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  return last === undefined ? undefined : last.toString();
}
