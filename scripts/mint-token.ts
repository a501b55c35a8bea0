/**
 * Mints a client JWT for a deployed stack in HS256 mode, signed with the stack's key from Secrets
 * Manager (or a key given directly). For tests and first steps; production clients get their
 * tokens from the company's identity provider (OIDC mode).
 *
 *   npx tsx scripts/mint-token.ts --user alice --secret-arn arn:aws:secretsmanager:...
 *   IM_JWT_SECRET=... npx tsx scripts/mint-token.ts --user alice --ttl 3600 --device laptop
 *
 * The secret ARN is the stack output `SigningSecretArn`; reading it needs
 * `secretsmanager:GetSecretValue` on it. Issuer and audience default to the stack's defaults
 * (`-c jwtIssuer` / `-c jwtAudience` change them at deploy; pass the same here).
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SignJWT } from 'jose';

export const DEFAULT_ISSUER = 'serverless-im';
export const DEFAULT_AUDIENCE = 'serverless-im';

export interface MintOptions {
  /** The HS256 key, exactly the secret's string value. */
  secret: string;
  userId: string;
  issuer?: string;
  audience?: string;
  /** Lifetime in seconds; 1 hour by default. */
  ttlSeconds?: number;
  /** Binds the token to one device id (`device` claim). */
  deviceId?: string;
}

/** Signs a token the stack's authorizer accepts: sub, iss, aud, iat, exp (and device). */
export function mintToken(options: MintOptions): Promise<string> {
  const claims: Record<string, string> = options.deviceId ? { device: options.deviceId } : {};
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.userId)
    .setIssuer(options.issuer ?? DEFAULT_ISSUER)
    .setAudience(options.audience ?? DEFAULT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 3600}s`)
    .sign(new TextEncoder().encode(options.secret));
}

/** The signing key: `IM_JWT_SECRET` if set, else the value of the secret `secretArn` (or `IM_JWT_SECRET_ARN`). */
export async function loadSigningKey(secretArn = process.env.IM_JWT_SECRET_ARN): Promise<string> {
  if (process.env.IM_JWT_SECRET) return process.env.IM_JWT_SECRET;
  if (!secretArn) throw new Error('Give --secret-arn (stack output SigningSecretArn), IM_JWT_SECRET_ARN or IM_JWT_SECRET');
  const result = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (!result.SecretString) throw new Error(`secret ${secretArn} has no string value`);
  return result.SecretString;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      user: { type: 'string' },
      'secret-arn': { type: 'string' },
      issuer: { type: 'string', default: process.env.IM_JWT_ISSUER ?? DEFAULT_ISSUER },
      audience: { type: 'string', default: process.env.IM_JWT_AUDIENCE ?? DEFAULT_AUDIENCE },
      ttl: { type: 'string', default: '3600' },
      device: { type: 'string' },
    },
  });
  if (!values.user) throw new Error('usage: mint-token.ts --user ID [--secret-arn ARN] [--ttl SECONDS] [--device ID] [--issuer ISS] [--audience AUD]');
  const ttlSeconds = Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error('--ttl must be a positive whole number of seconds');
  const token = await mintToken({
    secret: await loadSigningKey(values['secret-arn']),
    userId: values.user,
    issuer: values.issuer,
    audience: values.audience,
    ttlSeconds,
    ...(values.device ? { deviceId: values.device } : {}),
  });
  process.stdout.write(`${token}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
