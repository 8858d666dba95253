import { randomUUID } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, Producer, Consumer, SASLOptions, logLevel } from 'kafkajs';
import { CircuitBreaker, BreakerSettings, BreakerState } from './breaker';
import { PermanentRouterError, RetriableRouterError, RouterError } from './errors';
import { clientFallback, FallbackModels } from './fallback';
import { loadTypes } from './schemas';
import type { AgentQuery, RoutingDecision, RoutingFeedback } from './types';
import { SingleObjectCodec } from './wire';
import { headerText, RouteSpan, TracedDecision } from './tracing';
import type { TracerProvider } from '@opentelemetry/api';

import { AGENT_QUERIES as QUERIES_TOPIC, ROUTING_DECISIONS as DECISIONS_TOPIC, ROUTING_FEEDBACK as FEEDBACK_TOPIC } from './generated/topics';

export interface RouterClientOptions {
  bootstrap: string[];
  clientId?: string;
  /** Default deadline of route(), ms. */
  deadlineMs?: number;
  breaker?: Partial<BreakerSettings>;
  fallbackModels?: FallbackModels;
  /** Directory of the .avsc files; default: the repository's schemas/src/main/avro. */
  schemaDir?: string;
  /** TLS (kafkajs `ssl`); `kafkaSecurityFromProperties(file)` makes it from the Java clients' properties file. */
  ssl?: ConnectionOptions | boolean;
  /**
   * SASL login (kafkajs `sasl`), e.g. `{ mechanism: 'scram-sha-256', username, password }`. The principal needs
   * WRITE on agent-queries and routing-feedback, READ on routing-decisions and READ on the consumer groups
   * `<clientId>-*` (README "Authenticated Kafka").
   */
  sasl?: SASLOptions;
  /**
   * Where the client's `route` spans go (needs the optional `@opentelemetry/api`); default: the global tracer
   * provider. Without an SDK registered, route() still forwards the active (or given) trace context to the router.
   */
  tracerProvider?: TracerProvider;
}

/** Per call: the deadline, and a W3C trace context to continue from instead of the active one (no OpenTelemetry API needed). */
export interface RouteOptions {
  deadlineMs?: number;
  traceparent?: string;
  tracestate?: string;
}

interface Pending {
  resolve: (d: TracedDecision) => void;
  reject: (e: RouterError) => void;
}

/**
 * Asks the router which model should answer a query; same semantics as the Java RouterClient.
 * One producer and one consumer serve every concurrent call. route() never outlives its deadline:
 * a late router, a refusing broker or an open breaker give a CLIENT_FALLBACK decision; it rejects only
 * on permanent errors (invalid query, decision with an unknown schema).
 */
export class RouterClient {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly consumer: Consumer;
  private readonly pending = new Map<string, Pending>();
  private readonly breaker: CircuitBreaker;
  private readonly queries: SingleObjectCodec<AgentQuery>;
  private readonly decisions: SingleObjectCodec<RoutingDecision>;
  private readonly feedbacks: SingleObjectCodec<RoutingFeedback>;
  private readonly deadlineMs: number;
  private readonly models: FallbackModels;
  private readonly tracerProvider?: TracerProvider;
  private outbox: { message: { key: string; value: Buffer; headers: Record<string, string> }; onError: (e: unknown) => void }[] = [];

  private constructor(options: RouterClientOptions) {
    const types = loadTypes(options.schemaDir);
    this.queries = new SingleObjectCodec(types.agentQuery);
    this.decisions = new SingleObjectCodec(types.routingDecision);
    this.feedbacks = new SingleObjectCodec(types.routingFeedback);
    this.deadlineMs = options.deadlineMs ?? 500;
    this.tracerProvider = options.tracerProvider;
    this.models = options.fallbackModels ?? { cheap: 'mixtral-8x7b-instruct', strong: 'gpt-4-1106-preview' };
    this.breaker = new CircuitBreaker({ failureThreshold: 5, windowMs: 10_000, coolDownMs: 5_000, ...options.breaker });
    const clientId = options.clientId ?? `router-client-${randomUUID().slice(0, 8)}`;
    this.kafka = new Kafka({ clientId, brokers: options.bootstrap, logLevel: logLevel.ERROR,
      retry: { retries: 2, initialRetryTime: 100 }, ssl: options.ssl, sasl: options.sasl });
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    // A group of its own reading from the latest offset: only decisions written after the client started.
    this.consumer = this.kafka.consumer({ groupId: `${clientId}-${randomUUID()}`, maxWaitTimeInMs: 20,
      allowAutoTopicCreation: false });
  }

  /**
   * Connects and returns once the consumer is in its group, so no decision for a later query is missed.
   * Refused credentials or a missing ACL reject with a PermanentRouterError: trying again cannot help.
   */
  static async connect(options: RouterClientOptions): Promise<RouterClient> {
    const client = new RouterClient(options);
    try {
      await client.start();
    } catch (e) {
      await client.close().catch(() => undefined);
      throw refusal(e) ?? e;
    }
    return client;
  }

  private async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: DECISIONS_TOPIC, fromBeginning: false });
    const joined = new Promise<void>((resolve) => {
      const off = this.consumer.on(this.consumer.events.GROUP_JOIN, () => { off(); resolve(); });
    });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        // The key is the query id: a decision for someone else's query is dropped without decoding.
        const id = message.key?.toString();
        const waiting = id === undefined ? undefined : this.pending.get(id);
        if (!waiting || !message.value) return;
        try {
          // The decision's trace context (the router's routing span) travels in its headers.
          waiting.resolve({ decision: this.decisions.decode(message.value),
            traceparent: headerText(message.headers?.traceparent), tracestate: headerText(message.headers?.tracestate) });
        } catch (e) {
          waiting.reject(e instanceof RouterError ? e : new PermanentRouterError(String(e), e));
        }
      },
    });
    await joined;
  }

  route(query: AgentQuery, options: RouteOptions = {}): Promise<RoutingDecision> {
    return this.routeTraced(query, options).then((t) => t.decision);
  }

  /**
   * route(), with the trace context the decision came back with, for the agent's next span (its LLM call):
   * `tracer.startSpan('chat', {}, decisionContext(await router.routeTraced(q)))`. The call is a PRODUCER span `route`
   * whose context goes on the query record as `traceparent`; the router's spans of the query are its children.
   */
  routeTraced(query: AgentQuery, options: RouteOptions = {}): Promise<TracedDecision> {
    const deadlineMs = options.deadlineMs ?? this.deadlineMs;
    const invalid = problem(query);
    if (invalid) return Promise.reject(new PermanentRouterError(`invalid query: ${invalid}`));
    const span = RouteSpan.start(query, this.tracerProvider, options);
    if (!this.breaker.allowsCall()) {
      return Promise.resolve(span.end({ decision: clientFallback(query, 'circuit breaker open', this.models) }, true));
    }
    let bytes: Buffer;
    try {
      bytes = this.queries.encode(query);
    } catch (e) {
      span.fail(e);
      return Promise.reject(e);
    }
    const answer = new Promise<TracedDecision>((resolve, reject) => {
      const timer = setTimeout(() => settle(() => reject(
        new RetriableRouterError(`no decision within ${deadlineMs} ms`))), deadlineMs);
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        this.pending.delete(query.query_id);
        finish();
      };
      this.pending.set(query.query_id, {
        resolve: (d) => settle(() => resolve(d)),
        reject: (e) => settle(() => reject(e)),
      });
      this.enqueue({ key: query.namespace, value: bytes, headers: span.headers() }, (e) => this.pending.get(query.query_id)?.reject(
        new RetriableRouterError(`broker did not take the query: ${(e as Error).message}`, e)));
    });
    return answer.then(
      (traced) => { this.breaker.recordSuccess(); return span.end(traced, false); },
      (error: RouterError) => {
        if (!error.retriable) {
          span.fail(error);
          throw error;
        }
        this.breaker.recordFailure();
        return span.end({ decision: clientFallback(query, error.message, this.models) }, true);
      });
  }

  /**
   * kafkajs sends one request per send() call; queries issued in the same event-loop turn go out
   * together in one request instead, which keeps the event loop free at high call rates.
   */
  private enqueue(message: { key: string; value: Buffer; headers: Record<string, string> }, onError: (e: unknown) => void): void {
    this.outbox.push({ message, onError });
    if (this.outbox.length > 1) return;
    setImmediate(() => {
      const batch = this.outbox;
      this.outbox = [];
      this.producer.send({ topic: QUERIES_TOPIC, acks: 1, messages: batch.map((b) => b.message) })
        .catch((e) => batch.forEach((b) => b.onError(e)));
    });
  }

  /**
   * Feedback for a decision, filled from it (ids, model, route, and the model version and alpha the job uses
   * to keep its live violation rate per version); pass the outcome (success or quality).
   */
  static feedbackFor(decision: RoutingDecision, outcome: { success?: boolean; quality?: number },
                     probe?: { route: string; success?: boolean; quality?: number }): RoutingFeedback {
    // A decision with probe = true asks the agent to call the other route too and report its outcome here.
    return {
      query_id: decision.query_id,
      namespace: decision.namespace,
      model: decision.model,
      route: decision.route,
      success: outcome.success ?? null,
      quality: outcome.quality ?? null,
      event_time_ms: Date.now(),
      model_version: decision.model_version,
      alpha: decision.alpha > 0 && decision.alpha < 1 ? decision.alpha : null,
      probe_route: probe?.route ?? null,
      probe_success: probe?.success ?? null,
      probe_quality: probe?.quality ?? null,
    };
  }

  async feedback(outcome: RoutingFeedback): Promise<void> {
    const bytes = this.feedbacks.encode(outcome);
    try {
      await this.producer.send({ topic: FEEDBACK_TOPIC, acks: 1, messages: [{ key: outcome.namespace, value: bytes }] });
    } catch (e) {
      throw new RetriableRouterError(`broker did not take the feedback: ${(e as Error).message}`, e);
    }
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  async close(): Promise<void> {
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }
}

/** The broker refused who we are (SASL) or what we may do (ACLs): a configuration error, not a passing one. */
function refusal(e: unknown): PermanentRouterError | undefined {
  const error = e as { name?: string; type?: string; message?: string };
  if (error?.name === 'KafkaJSSASLAuthenticationError' || /_AUTHORIZATION_FAILED$/.test(error?.type ?? '')) {
    return new PermanentRouterError(`the broker refused this client: ${error.message}`, e);
  }
  return undefined;
}

function problem(q: AgentQuery): string | null {
  if (!q) return 'null query';
  if (!q.query_id) return 'query_id is empty';
  if (!q.namespace) return 'namespace is empty';
  if (!q.text || !q.text.trim()) return 'text is empty';
  return null;
}
