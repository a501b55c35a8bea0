import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Reads the HS256 signing secret once per Lambda instance. */
export async function loadSigningSecret(secretArn: string): Promise<Uint8Array> {
  const client = new SecretsManagerClient({});
  const result = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!result.SecretString) throw new Error('signing secret has no string value');
  return new TextEncoder().encode(result.SecretString);
}
