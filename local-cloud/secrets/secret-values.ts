import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SecretSpec } from '../template/cloud-model.js';

const LETTERS_AND_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const PUNCTUATION = '!#$%&()*+,-./:;<=>?@[]^_`{|}~';

function generate(length: number, excludePunctuation: boolean): string {
  const alphabet = excludePunctuation ? LETTERS_AND_DIGITS : LETTERS_AND_DIGITS + PUNCTUATION;
  let value = '';
  for (let index = 0; index < length; index++) value += alphabet[randomInt(alphabet.length)];
  return value;
}

/**
 * The values of the stack's secrets, generated as `GenerateSecretString` would. With a data
 * folder they are kept there, so tokens signed before a restart stay valid after it.
 */
export function secretValues(secrets: SecretSpec[], dataDir?: string): Map<string, string> {
  const file = dataDir ? path.join(dataDir, 'secrets.json') : undefined;
  const stored: Record<string, string> = file && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const values = new Map<string, string>();
  for (const secret of secrets) {
    const value =
      secret.secretString ?? stored[secret.arn] ?? generate(secret.generate?.length ?? 32, secret.generate?.excludePunctuation ?? false);
    values.set(secret.arn, value);
    stored[secret.arn] = value;
  }
  if (file) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return values;
}
