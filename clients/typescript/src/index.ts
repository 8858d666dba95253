export { RouterClient, RouterClientOptions } from './client';
export { CircuitBreaker, BreakerSettings, BreakerState } from './breaker';
export { clientFallback, strongReason, LONG_QUERY_CHARS } from './fallback';
export { RouterError, RetriableRouterError, PermanentRouterError, SchemaMismatchError } from './errors';
export { SingleObjectCodec, crc64Avro } from './wire';
export { loadTypes, schemaDir } from './schemas';
export { kafkaSecurityFromProperties, kafkaSecurity, parseProperties, KafkaSecurity } from './security';
export type { AgentQuery, RoutingDecision, RoutingFeedback } from './types';
