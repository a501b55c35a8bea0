/**
 * Writes docs/server-api.openapi.json from the route schemas (@serverless-im/protocol/server-api):
 * `npm run openapi` after changing a route. test/infrastructure/server-api-openapi.test.ts fails
 * while the file is not current.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serverApiOpenApi } from '@serverless-im/protocol/server-api';

export const OPENAPI_PATH = fileURLToPath(new URL('../docs/server-api.openapi.json', import.meta.url));
export const openApiText = (): string => `${JSON.stringify(serverApiOpenApi(), null, 2)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_PATH, openApiText());
  console.log(`wrote ${OPENAPI_PATH}`);
}
