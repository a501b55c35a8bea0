import type { Dollars } from '../cost-model.js';
import type { ServerApiCost } from '../scenarios/server-api-costs.js';

const n = (value: number, digits = 2): string => (Number.isInteger(value) ? value.toLocaleString('en-US') : Number(value.toFixed(digits)).toLocaleString('en-US'));
const perMillion = (value: number): string => `$${(value * 1e6).toFixed(2)}`;

/** The server API section of a report: what each route costs per call, the HTTP API request included. */
export function serverApiMarkdown(rows: (ServerApiCost & { dollars: Dollars })[], httpApiPerMillionRequests: number): string[] {
  const out: string[] = [];
  out.push('## Server API (IAM-signed HTTP)');
  out.push('');
  out.push(
    `Each route called by a SigV4-signed client, with the queues idle before and after, so a row holds everything the call causes: the route's function, the pushes to devices, the fan-out of \`system\` items and messages, and the stream consumers. "API Gateway" is the HTTP API request ($${httpApiPerMillionRequests.toFixed(2)} per million) plus any WebSocket messages out.`,
  );
  out.push('');
  out.push('| route | what | WRU / RRU billed | Lambda inv. | WS out | DynamoDB | Lambda | API Gateway | $ per million calls |');
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const c = row.cost;
    const d = row.dollars;
    out.push(
      `| \`${row.route}\` | ${row.setting} | ${n(c.dynamo.billedWrite)} / ${n(c.dynamo.billedRead)} | ${n(c.lambdaInvocations)} | ${n(c.wsOut)} | ${perMillion(d.dynamoDb)} | ${perMillion(d.lambda)} | ${perMillion(d.apiGateway)} | ${perMillion(d.total)} |`,
    );
  }
  out.push('');
  return out;
}
