/**
 * @serverless-im/server-client: what a company's backend imports to call the server API
 * (docs/server-api.md). Node only: it signs with node:crypto and the AWS credential chain.
 */
export { type CallInput, pathOf, ServerApiError, ServerClient, type ServerClientOptions } from './server-client.js';
export { type AwsCredentials, type SignerOptions, signedFetcher } from './signed-fetch.js';
