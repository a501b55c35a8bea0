import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InternalError } from '../errors/service-error.js';

/** The signing secret exists but holds no string (a deployment bug). */
export class SigningSecretError extends InternalError<'SIGNING_SECRET_EMPTY'> {
  override readonly code = 'SIGNING_SECRET_EMPTY';
}

/** Reads the HS256 signing secret once per Lambda instance. */
export async function loadSigningSecret(secretArn: string): Promise<Uint8Array> {
  const client = new SecretsManagerClient({});
  const result = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!result.SecretString) throw new SigningSecretError('signing secret has no string value');
  return new TextEncoder().encode(result.SecretString);
}
