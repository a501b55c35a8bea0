/**
 * An SNS error as the service answers it: the query-protocol `Code` (what the SDK names the
 * exception after), the HTTP status and SNS's message. SNS has few codes; most input errors are
 * `InvalidParameter` with a message `Invalid parameter: <Name> Reason: <why>`.
 */
export class SnsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SnsError';
  }
}

export const invalidParameter = (message: string): SnsError => new SnsError('InvalidParameter', 400, message);

/** SNS's `InvalidParameterValue` code (the SDK's `InvalidParameterValueException`), used for message attributes. */
export const parameterValueInvalid = (message: string): SnsError => new SnsError('ParameterValueInvalid', 400, message);

export const notFound = (message: string): SnsError => new SnsError('NotFound', 404, message);

export function required(value: string | undefined, name: string): string {
  if (value === undefined || value.length === 0) throw invalidParameter(`Invalid parameter: ${name} Reason: no value for required parameter`);
  return value;
}
