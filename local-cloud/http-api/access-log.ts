/**
 * Access logs as the stage's `AccessLogSettings.Format` describes them: one line per request, each
 * `$context.<variable>` replaced by its value, `-` for a variable that has none (as API Gateway
 * writes it). Values are inserted as they are, like AWS does (`$context.error.messageString` is
 * the quoted form of `$context.error.message`).
 */
export type AccessLogContext = Readonly<Record<string, string | number | undefined>>;

export function renderAccessLog(format: string, context: AccessLogContext): string {
  return format.replace(/\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)/g, (_match, name: string) => {
    const value = context[name];
    return value === undefined || value === '' ? '-' : String(value);
  });
}
