/**
 * IAM's wildcard matching, as the IAM User Guide describes it for the `Action` and `Resource`
 * elements (local emulation only):
 *
 * - Actions: `*` is any run of characters, `?` exactly one; the whole action, service prefix
 *   included, is compared case-insensitively (`DynamoDB:putitem` names `dynamodb:PutItem`).
 * - Resources: ARNs are compared case-sensitively. Wildcards work within the colon-separated
 *   segments of an ARN: `*` is any run of characters of a segment, `/` included
 *   (`arn:aws:s3:::bucket/*` covers `bucket/a/b/c`), `?` one character of it. A `*` that is the
 *   last character of a segment (before a `:` or at the end) "can expand to match beyond the
 *   colon boundaries", so `*` alone and `arn:aws:sqs:*` cover every ARN of their kind.
 *
 * IAM policy variables (`${aws:username}`) are not substituted: such a pattern matches only its
 * literal text, which no ARN contains, so a statement using them grants nothing locally.
 */

const cache = new Map<string, RegExp>();

function compiled(key: string, build: () => RegExp): RegExp {
  let regex = cache.get(key);
  if (regex === undefined) {
    regex = build();
    if (cache.size > 5_000) cache.clear();
    cache.set(key, regex);
  }
  return regex;
}

const escape = (character: string): string => character.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');

/** `dynamodb:Get*` matches `dynamodb:GetItem`; `*` matches every action. Case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = compiled(`a\u0000${pattern}`, () => {
    let source = '';
    for (const character of pattern) source += character === '*' ? '.*' : character === '?' ? '.' : escape(character);
    return new RegExp(`^${source}$`, 'is');
  });
  return regex.test(action);
}

/** An ARN pattern of a `Resource` element against a request's resource ARN. Case-sensitive. */
export function resourceMatches(pattern: string, arn: string): boolean {
  const regex = compiled(`r\u0000${pattern}`, () => {
    let source = '';
    for (let index = 0; index < pattern.length; index++) {
      const character = pattern[index]!;
      if (character === '*') {
        const next = pattern[index + 1];
        // The last character of a segment may run past colons; inside a segment it may not.
        source += next === undefined || next === ':' ? '.*' : '[^:]*';
      } else if (character === '?') {
        source += '[^:]';
      } else {
        source += escape(character);
      }
    }
    return new RegExp(`^${source}$`, 's');
  });
  return regex.test(arn);
}
