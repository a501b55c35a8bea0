/**
 * @serverless-im/protocol/server-api: the routes of the IAM-signed HTTP API for a company's own
 * backend, one zod schema each for params, query, body and reply. docs/server-api.md describes
 * them; docs/server-api.openapi.json is generated from them (`npm run openapi`).
 */
export * from './route.js';
export * from './errors.js';
export * from './messages.js';
export * from './groups.js';
export * from './users.js';
export * from './erasure.js';
export * from './export.js';
export { serverApiOpenApi } from './openapi.js';

export * from './routes.js';
