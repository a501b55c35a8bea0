import type { ServerResponse } from 'node:http';

/**
 * The responses an HTTP API sends when the request never reaches the function, or the function
 * fails: status, the JSON body `{"message": ...}` and, for access logs, the response type.
 */
export interface ApiError {
  status: number;
  message: string;
  responseType: string;
}

export const API_ERRORS = {
  notFound: { status: 404, message: 'Not Found', responseType: 'RESOURCE_NOT_FOUND' },
  forbidden: { status: 403, message: 'Forbidden', responseType: 'MISSING_AUTHENTICATION_TOKEN' },
  tooLarge: { status: 413, message: 'Request Entity Too Large', responseType: 'REQUEST_TOO_LARGE' },
  throttled: { status: 429, message: 'Too Many Requests', responseType: 'THROTTLED' },
  integrationFailure: { status: 500, message: 'Internal Server Error', responseType: 'INTEGRATION_FAILURE' },
  integrationTimeout: { status: 503, message: 'Service Unavailable', responseType: 'INTEGRATION_TIMEOUT' },
} as const satisfies Record<string, ApiError>;

/** A 403 whose message says what is wrong with the signature (AWS's words). */
export const signatureError = (message: string): ApiError => ({ status: 403, message, responseType: 'INVALID_SIGNATURE' });

/** A 403 for a caller whose policies do not allow `execute-api:Invoke`. */
export const accessDenied = (message: string): ApiError => ({ status: 403, message, responseType: 'ACCESS_DENIED' });

export function sendApiError(response: ServerResponse, error: ApiError, requestId: string): number {
  const body = JSON.stringify({ message: error.message });
  response.writeHead(error.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'apigw-requestid': requestId });
  response.end(body);
  return Buffer.byteLength(body);
}
