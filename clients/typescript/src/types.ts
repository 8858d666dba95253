/**
 * The records this client sends and reads, generated from the project's .avsc files at build time
 * (scripts/generate-types.mjs -> src/generated/records.ts), so these types cannot drift from the
 * schemas the job uses. Field names are the Avro ones (snake_case), as on the wire.
 */
export type {
  AgentQuery,
  ContextItem,
  ErrorCategory,
  FallbackLevel,
  RoutingDecision,
  RoutingFeedback,
} from './generated/records';
