import { InternalError } from '../errors/service-error.js';

/** The stack sets every variable a function reads, so a missing one is a deployment bug. */
export class MissingEnvironmentError extends InternalError<'MISSING_ENVIRONMENT'> {
  override readonly code = 'MISSING_ENVIRONMENT';

  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set`);
  }
}

/** Reads a required environment variable. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new MissingEnvironmentError(name);
  return value;
}
