/**
 * Just the fields this client reads itself. The full records are defined by the .avsc files (loaded
 * with avsc at run time): a missing required field or a wrong type fails encoding with a permanent error.
 * Field names are the Avro ones (snake_case), as on the wire.
 */
export interface AgentQuery {
  query_id: string;
  namespace: string;
  text: string;
  event_time_ms: number;
  user_id?: string;
  alpha?: number | null;
  tags?: string[];
  [field: string]: unknown;
}

export interface RoutingDecision {
  query_id: string;
  route: string;
  model: string;
  fallback_level: string;
  fallback_reason: string | null;
  [field: string]: unknown;
}

export interface RoutingFeedback {
  query_id: string;
  namespace: string;
  [field: string]: unknown;
}
