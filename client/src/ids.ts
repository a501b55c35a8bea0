import { host } from './host.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random id of `length` chars of [A-Za-z0-9] (22 chars ≈ 131 bits). Uses crypto.getRandomValues
 * when the host has it (browsers, Node, React Native with a polyfill), Math.random otherwise.
 */
export function randomId(length = 22): string {
  const bytes = new Uint8Array(length);
  const getRandomValues = host().crypto?.getRandomValues;
  if (getRandomValues) getRandomValues.call(host().crypto, bytes);
  else for (let i = 0; i < length; i++) bytes[i] = Math.floor(Math.random() * 256);
  let id = '';
  // 256 % 62 != 0: the slight bias is irrelevant for uniqueness.
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}
