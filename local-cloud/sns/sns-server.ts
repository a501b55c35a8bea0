import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalSns } from './local-sns.js';
import { PlatformStore } from './platform-store.js';
import {
  attributesXml,
  element,
  errorXml,
  mapParameter,
  messageAttributesParameter,
  parseQueryBody,
  type QueryParameters,
  resultXml,
} from './query-protocol.js';
import { invalidParameter, SnsError } from './sns-error.js';

/**
 * Amazon SNS's mobile push API over its real wire protocol (AWS query, XML answers), so a
 * function's `@aws-sdk/client-sns` works against it unchanged through `AWS_ENDPOINT_URL_SNS`.
 * The operations and what each does are in local-sns.ts and platform-store.ts.
 */

/** One SNS call, as an access check (local IAM) sees it. */
export interface SnsCall {
  /** The access key of the request's SigV4 `Authorization` header; undefined when unsigned. */
  accessKeyId: string | undefined;
  /** `Publish`, `CreatePlatformEndpoint`, ... */
  operation: string;
  parameters: QueryParameters;
}

/** A refusal the server answers with instead of serving the call. */
export interface SnsRefusal {
  status: number;
  code: string;
  message: string;
}

export type SnsCallInspector = (call: SnsCall) => SnsRefusal | undefined;

export interface RunningSnsServer {
  endpoint: string;
  /** Run in order before a call is served; the first refusal wins (local IAM). */
  inspectors: SnsCallInspector[];
  stop(): Promise<void>;
}

const PAGE_SIZE = 100;

function page<T>(items: readonly T[], nextToken: string | undefined): { items: T[]; nextToken?: string } {
  const start = nextToken === undefined ? 0 : Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0) throw invalidParameter('Invalid parameter: NextToken');
  const end = start + PAGE_SIZE;
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: Buffer.from(String(end)).toString('base64url') } : {}) };
}

const nextTokenXml = (token: string | undefined): string => (token === undefined ? '' : element('NextToken', token));

type Operation = (parameters: QueryParameters) => string | undefined;

function operations(sns: LocalSns): Record<string, Operation> {
  const { store } = sns;
  const get = (parameters: QueryParameters, name: string): string | undefined => parameters.get(name);
  return {
    CreatePlatformApplication: (p) => {
      const application = store.createApplication(get(p, 'Name'), get(p, 'Platform'), mapParameter(p, 'Attributes'));
      return element('PlatformApplicationArn', application.arn);
    },
    GetPlatformApplicationAttributes: (p) => attributesXml(store.application(get(p, 'PlatformApplicationArn')).attributes),
    SetPlatformApplicationAttributes: (p) => {
      store.setApplicationAttributes(get(p, 'PlatformApplicationArn'), mapParameter(p, 'Attributes'));
      return undefined;
    },
    ListPlatformApplications: (p) => {
      const { items, nextToken } = page(store.listApplications(), get(p, 'NextToken'));
      const members = items.map((application) => `<member>${element('PlatformApplicationArn', application.arn)}${attributesXml(application.attributes)}</member>`);
      return `<PlatformApplications>${members.join('')}</PlatformApplications>${nextTokenXml(nextToken)}`;
    },
    DeletePlatformApplication: (p) => {
      store.deleteApplication(get(p, 'PlatformApplicationArn'));
      return undefined;
    },
    ListEndpointsByPlatformApplication: (p) => {
      const { items, nextToken } = page(store.endpointsOf(get(p, 'PlatformApplicationArn')), get(p, 'NextToken'));
      const members = items.map((endpoint) => `<member>${element('EndpointArn', endpoint.arn)}${attributesXml(PlatformStore.endpointAttributes(endpoint))}</member>`);
      return `<Endpoints>${members.join('')}</Endpoints>${nextTokenXml(nextToken)}`;
    },
    CreatePlatformEndpoint: (p) => {
      const endpoint = store.createEndpoint(get(p, 'PlatformApplicationArn'), get(p, 'Token'), get(p, 'CustomUserData'), mapParameter(p, 'Attributes'));
      return element('EndpointArn', endpoint.arn);
    },
    GetEndpointAttributes: (p) => attributesXml(PlatformStore.endpointAttributes(store.endpoint(get(p, 'EndpointArn')))),
    SetEndpointAttributes: (p) => {
      store.setEndpointAttributes(get(p, 'EndpointArn'), mapParameter(p, 'Attributes'));
      return undefined;
    },
    DeleteEndpoint: (p) => {
      store.deleteEndpoint(get(p, 'EndpointArn'));
      return undefined;
    },
    Publish: (p) => {
      const messageId = sns.publish({
        targetArn: get(p, 'TargetArn'),
        topicArn: get(p, 'TopicArn'),
        phoneNumber: get(p, 'PhoneNumber'),
        message: get(p, 'Message'),
        subject: get(p, 'Subject'),
        messageStructure: get(p, 'MessageStructure'),
        messageAttributes: messageAttributesParameter(p),
      });
      return element('MessageId', messageId);
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const accessKeyOf = (authorization: string | undefined): string | undefined => /Credential=([^/]+)\//.exec(authorization ?? '')?.[1];

export async function startSnsServer(sns: LocalSns): Promise<RunningSnsServer> {
  const inspectors: SnsCallInspector[] = [];
  const served = operations(sns);
  const server = createServer((request, response) => {
    void (async () => {
      const requestId = randomUUID();
      const reply = (status: number, xml: string): void => {
        response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, 'content-length': String(Buffer.byteLength(xml)) });
        response.end(xml);
      };
      const url = new URL(request.url ?? '/', 'http://localhost');
      const parameters = parseQueryBody(await readBody(request));
      for (const [key, value] of url.searchParams) if (!parameters.has(key)) parameters.set(key, value);
      const action = parameters.get('Action') ?? '';
      const operation = served[action];
      if (!operation) {
        reply(400, errorXml('InvalidAction', `The action ${action} is not valid for this endpoint (the local SNS emulates mobile push: ${Object.keys(served).join(', ')}).`, requestId, 400));
        return;
      }
      const call: SnsCall = { accessKeyId: accessKeyOf(request.headers.authorization), operation: action, parameters };
      for (const inspect of inspectors) {
        const refusal = inspect(call);
        if (refusal) {
          reply(refusal.status, errorXml(refusal.code, refusal.message, requestId, refusal.status));
          return;
        }
      }
      try {
        reply(200, resultXml(action, requestId, operation(parameters)));
      } catch (error) {
        if (!(error instanceof SnsError)) throw error;
        reply(error.status, errorXml(error.code, error.message, requestId, error.status));
      }
    })().catch((error: unknown) => {
      if (response.headersSent) return void response.destroy();
      const xml = errorXml('InternalError', String(error), randomUUID(), 500);
      response.writeHead(500, { 'content-type': 'text/xml' });
      response.end(xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    inspectors,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
