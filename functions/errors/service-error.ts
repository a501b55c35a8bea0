/**
 * The base of every error the functions throw on purpose. `code` is stable: logs, tests and the
 * mapping to protocol replies switch on it (never on the message), in the manner of `ws`'s
 * `WS_ERR_*` codes. `cause` keeps the error this one explains (a DynamoDB or jose error, ...).
 * Each folder that has errors of its own declares them in its `errors.ts`.
 */
export abstract class ServiceError<Code extends string = string> extends Error {
  abstract readonly code: Code;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** A failure of the service itself (not the client's): answered INTERNAL, logged with its code. */
export abstract class InternalError<Code extends string = string> extends ServiceError<Code> {}

export const isServiceError = (value: unknown): value is ServiceError => value instanceof ServiceError;
