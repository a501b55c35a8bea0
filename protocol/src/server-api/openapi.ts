import * as z from 'zod/mini';
import type { ErrorCode } from '../errors.js';
import { gatewayErrorBody, HTTP_STATUS_OF, serverApiErrorBody } from './errors.js';
import type { ServerApiRoute } from './route.js';
import { serverApiRoutes } from './routes.js';

type JsonSchema = Record<string, unknown>;

/**
 * A schema as OpenAPI 3.1 embeds it (JSON Schema 2020-12): its `$defs` (zod puts recursive
 * shapes there, e.g. a custom body's JSON payload) move to `components.schemas` under `prefix`,
 * because a `$ref` inside the document resolves from the document's root.
 */
function embed(schema: z.ZodMiniType, io: 'input' | 'output', prefix: string, components: Record<string, JsonSchema>): JsonSchema {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
  delete json.$defs;
  const renamed = (name: string): string => `${prefix}_${name.replace(/^_+/, '')}`;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) =>
        key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')
          ? [key, `#/components/schemas/${renamed(inner.slice('#/$defs/'.length))}`]
          : [key, rewrite(inner)],
      ),
    );
  };
  for (const [name, def] of Object.entries(defs)) components[renamed(name)] = rewrite(def) as JsonSchema;
  return rewrite(json) as JsonSchema;
}

const jsonContent = (schema: JsonSchema) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Parameters of one `in` from a strict object schema's JSON Schema. */
function parametersOf(schema: JsonSchema, location: 'path' | 'query'): JsonSchema[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    schema: property,
  }));
}

function operationOf(route: ServerApiRoute, components: Record<string, JsonSchema>): JsonSchema {
  const id = route.operationId;
  const responses: Record<string, JsonSchema> = {
    [route.successStatus ?? 200]: { description: route.successStatus === 202 ? 'Accepted: the work goes on; follow it as the reply says' : 'OK', content: jsonContent(embed(route.reply, 'output', `${id}Reply`, components)) },
  };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of route.errors) byStatus.set(HTTP_STATUS_OF[code], [...(byStatus.get(HTTP_STATUS_OF[code]) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = {
      description: `Refused: error.code ${codes.join(' or ')} (reasons as in docs/protocol.md)`,
      content: jsonContent(status === 403 ? { oneOf: [ref('ErrorBody'), ref('GatewayErrorBody')] } : ref('ErrorBody')),
    };
  }
  // API Gateway's own refusals, before any function runs.
  responses[403] ??= { description: 'Unsigned, badly signed, or not allowed by IAM (API Gateway)', content: jsonContent(ref('GatewayErrorBody')) };
  responses[429] ??= { description: 'Throttled by the stage (API Gateway)', content: jsonContent(ref('GatewayErrorBody')) };
  const operation: JsonSchema = {
    operationId: id,
    summary: route.summary,
    description: route.description,
    parameters: [
      ...parametersOf(embed(route.params, 'input', `${id}Params`, components), 'path'),
      ...parametersOf(embed(route.query, 'input', `${id}Query`, components), 'query'),
    ],
    responses,
  };
  if (route.body) operation.requestBody = { required: true, content: jsonContent(embed(route.body, 'input', `${id}Body`, components)) };
  return operation;
}

/**
 * The OpenAPI 3.1 document of the server API, generated from the routes' schemas: what
 * docs/server-api.openapi.json holds (`npm run openapi` writes it; a unit test checks it is
 * current and matches the stack's routes). Every operation needs a SigV4 signature
 * (`execute-api`), which OpenAPI cannot express beyond naming it.
 */
export function serverApiOpenApi(): JsonSchema {
  const components: Record<string, JsonSchema> = {};
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of Object.values(serverApiRoutes) as ServerApiRoute[]) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operationOf(route, components);
  }
  components.ErrorBody = embed(serverApiErrorBody, 'output', 'ErrorBody', components);
  components.GatewayErrorBody = embed(gatewayErrorBody, 'output', 'GatewayErrorBody', components);
  return {
    openapi: '3.1.0',
    info: {
      title: 'serverless-im server API',
      version: '1',
      description:
        "The IAM-authorized HTTP API for a company's own backend. Every request is signed with AWS Signature Version 4 (service `execute-api`); see docs/server-api.md.",
    },
    servers: [{ url: 'https://{apiId}.execute-api.{region}.amazonaws.com', variables: { apiId: { default: 'API_ID' }, region: { default: 'us-east-1' } } }],
    security: [{ sigv4: [] }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: { sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'AWS Signature Version 4, service execute-api' } },
    },
  };
}
