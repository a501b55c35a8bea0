import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningSecretsManager {
  endpoint: string;
  stop(): Promise<void>;
}

/** One Secrets Manager call, as an access check (local IAM) sees it. */
export interface SecretsCall {
  /** The access key of the request's SigV4 `Authorization` header; undefined when unsigned. */
  accessKeyId: string | undefined;
  /** `GetSecretValue`. */
  operation: string;
  /** The `SecretId` as the caller gave it (name or ARN). */
  secretId: string;
  /** The full ARN of the secret it names, when there is one. */
  secretArn?: string;
}

/** A refusal: the status and `__type` Secrets Manager answers with, and its message. */
export interface SecretsRefusal {
  status: number;
  type: string;
  message: string;
}

export interface SecretsManagerOptions {
  /** Checks each call before it is served (local IAM); a refusal is the answer. */
  authorize?: (call: SecretsCall) => SecretsRefusal | undefined;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  response.end(JSON.stringify(body));
}

/**
 * The one Secrets Manager call our functions make, `GetSecretValue`, over the same JSON protocol
 * as AWS, so the real SDK client works against it. Secrets are addressed by ARN or name.
 */
export async function startSecretsManager(values: ReadonlyMap<string, string>, options: SecretsManagerOptions = {}): Promise<RunningSecretsManager> {
  const server = createServer((request, response) => {
    void (async () => {
      const target = request.headers['x-amz-target'];
      if (target !== 'secretsmanager.GetSecretValue') {
        reply(response, 400, { __type: 'UnsupportedOperation', message: `${String(target)} is not emulated locally` });
        return;
      }
      const { SecretId } = JSON.parse((await readBody(request)) || '{}') as { SecretId?: string };
      const arn = [...values.keys()].find((candidate) => candidate === SecretId || candidate.split(':secret:')[1]?.startsWith(`${SecretId}-`));
      const accessKeyId = /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1];
      const refusal = options.authorize?.({ accessKeyId, operation: 'GetSecretValue', secretId: String(SecretId ?? ''), ...(arn ? { secretArn: arn } : {}) });
      if (refusal) {
        reply(response, refusal.status, { __type: refusal.type, Message: refusal.message });
        return;
      }
      if (!arn) {
        reply(response, 400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
        return;
      }
      reply(response, 200, {
        ARN: arn,
        Name: arn.split(':secret:')[1]!.replace(/-[A-Za-z0-9]{6}$/, ''),
        SecretString: values.get(arn),
        VersionId: '00000000-0000-0000-0000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 0,
      });
    })().catch((error: unknown) => reply(response, 500, { __type: 'InternalServiceError', message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
