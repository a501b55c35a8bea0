/**
 * API Gateway's MOCK integration for a WebSocket route, as far as this stack uses it: the gateway
 * answers the frame itself, no function runs.
 *
 * What AWS does, and what is emulated:
 * - The integration's request template (chosen by its template selection expression) must render
 *   to JSON with an integer `statusCode`; anything else is a configuration error and the client
 *   gets the generic error frame.
 * - The integration response whose key matches that status code (`/regex/`, else `$default`)
 *   renders the reply with its response template (chosen the same way).
 * - Templates are Velocity (VTL). Only `$context.<variable>` references are emulated; a template
 *   with any other `$` or `#` directive is refused when the template is read, so a route the
 *   emulator cannot answer faithfully fails at start-up instead of answering something AWS would not.
 */

/** The `$context` variables of a WebSocket message that templates may reference. */
export const TEMPLATE_CONTEXT_VARIABLES = [
  'apiId',
  'connectedAt',
  'connectionId',
  'domainName',
  'eventType',
  'extendedRequestId',
  'messageId',
  'requestId',
  'requestTimeEpoch',
  'routeKey',
  'stage',
] as const;

export type TemplateContext = Record<(typeof TEMPLATE_CONTEXT_VARIABLES)[number], string | number>;

export interface MockIntegrationResponse {
  /** `$default`, or `/regex/` matched against the status code the request template set. */
  key: string;
  /** Response templates by selection key (usually `$default`). */
  templates: Record<string, string>;
  templateSelectionExpression?: string;
}

export interface MockIntegrationConfig {
  requestTemplates: Record<string, string>;
  templateSelectionExpression?: string;
  responses: MockIntegrationResponse[];
}

/** The outcome of a mock integration: a reply body (maybe empty), or a configuration error. */
export type MockOutcome = { kind: 'reply'; body: string } | { kind: 'error'; message: string };

const CONTEXT_REFERENCE = /\$(?:context\.([A-Za-z]+)|\{context\.([A-Za-z]+)\})/g;

/** Builds the responder of one route; throws when the route uses what is not emulated. */
export function mockResponder(config: MockIntegrationConfig, where: string): (context: TemplateContext) => MockOutcome {
  const requestTemplate = selectTemplate(config.requestTemplates, config.templateSelectionExpression, `${where} request templates`);
  if (requestTemplate !== undefined) checkTemplate(requestTemplate, `${where} request template`);
  const responses = config.responses.map((response) => {
    const template = selectTemplate(response.templates, response.templateSelectionExpression, `${where} integration response ${response.key}`);
    if (template !== undefined) checkTemplate(template, `${where} integration response ${response.key}`);
    return { matches: keyMatcher(response.key, where), template, isDefault: response.key === '$default' };
  });

  return (context) => {
    // No request template: API Gateway has no status code to work with.
    if (requestTemplate === undefined) return { kind: 'error', message: 'statusCode should be an integer which defined in request template' };
    const statusCode = statusCodeOf(render(requestTemplate, context));
    if (statusCode === undefined) return { kind: 'error', message: 'statusCode should be an integer which defined in request template' };
    const code = String(statusCode);
    const response = responses.find((r) => !r.isDefault && r.matches(code)) ?? responses.find((r) => r.isDefault);
    if (!response) return { kind: 'error', message: `no integration response matches status ${code}` };
    return { kind: 'reply', body: response.template === undefined ? '' : render(response.template, context) };
  };
}

/**
 * A template selection expression of a mock route is a constant: `\$default` (the escaped literal)
 * or a plain key. Expressions that read the request (`${request.body...}`) are not emulated.
 */
function selectTemplate(templates: Record<string, string>, expression: string | undefined, where: string): string | undefined {
  if (Object.keys(templates).length === 0) return undefined;
  let key = '$default';
  if (expression !== undefined) {
    if (expression.includes('${')) throw new Error(`${where}: template selection expression ${JSON.stringify(expression)} is not emulated (only constants are)`);
    key = expression.replace(/^\\\$/, '$');
  }
  return templates[key] ?? templates.$default;
}

function checkTemplate(template: string, where: string): void {
  const rest = template.replace(CONTEXT_REFERENCE, (whole, a: string | undefined, b: string | undefined) => {
    const name = a ?? b ?? '';
    if (!(TEMPLATE_CONTEXT_VARIABLES as readonly string[]).includes(name)) {
      throw new Error(`${where}: $context.${name} is not emulated (known: ${TEMPLATE_CONTEXT_VARIABLES.join(', ')})`);
    }
    return '';
  });
  if (/[$#]/.test(rest)) throw new Error(`${where}: only $context variables are emulated in mapping templates, not ${JSON.stringify(template)}`);
}

/** VTL inserts a variable's value as text; quoting is the template's business. */
function render(template: string, context: TemplateContext): string {
  return template.replace(CONTEXT_REFERENCE, (_whole, a: string | undefined, b: string | undefined) => String(context[(a ?? b) as keyof TemplateContext]));
}

function statusCodeOf(rendered: string): number | undefined {
  try {
    const value = JSON.parse(rendered) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const code = (value as { statusCode?: unknown }).statusCode;
    return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

function keyMatcher(key: string, where: string): (code: string) => boolean {
  if (key === '$default') return () => true;
  const regex = /^\/(.*)\/$/.exec(key);
  if (!regex) throw new Error(`${where}: integration response key ${JSON.stringify(key)} must be $default or /regex/`);
  const pattern = new RegExp(`^(?:${regex[1]})$`);
  return (code) => pattern.test(code);
}
