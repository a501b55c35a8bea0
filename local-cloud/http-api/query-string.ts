/** Query-string parameters: decoded names and values, a repeated name's values as a list, in order. */
export type Query = Record<string, string | string[]>;

const formDecode = (text: string): string => {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
};

/**
 * Reads a raw query string (`a=1&a=2&b=x%20y`) as both API Gateway's event and the SigV4 check
 * need it. Form decoding: `+` is a space, as in the URLs browsers and `URLSearchParams` write.
 */
export function parseQuery(rawQuery: string): Query {
  const query: Query = {};
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = formDecode(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? '' : formDecode(pair.slice(equals + 1));
    const existing = query[name];
    query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}
