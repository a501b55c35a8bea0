/** Reads a required environment variable; the stack sets all of them, so a missing one is a deploy bug. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}
