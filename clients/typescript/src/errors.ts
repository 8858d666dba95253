/** Why a call to the router failed; `retriable` says whether trying again can help. */
export abstract class RouterError extends Error {
  abstract readonly retriable: boolean;
  constructor(message: string, readonly cause?: unknown) {
    super(message);
    this.name = new.target.name;
  }
}

/** Deadline passed, broker unavailable: a later try may work. */
export class RetriableRouterError extends RouterError {
  readonly retriable = true;
}

/** Invalid query, unknown schema: every try fails the same way. */
export class PermanentRouterError extends RouterError {
  readonly retriable = false;
}

/** Bytes written with a schema this client does not know (its fingerprint is not among the loaded .avsc files). */
export class SchemaMismatchError extends PermanentRouterError {}
