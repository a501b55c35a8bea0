/**
 * Calls the server API from a shell, signed with the default AWS credential chain (env, profile,
 * SSO, instance role): post a bot message, disconnect a user, and the other routes.
 *
 *   npm run server-api -- --url https://abc.execute-api.eu-west-1.amazonaws.com post --from support-bot --to alice --text "Your order shipped"
 *   npm run server-api -- --url ... post --from support-bot --conversation g:AbC... --text "..." [--client-msg-id order-42]
 *   npm run server-api -- --url ... disconnect --user alice
 *   npm run server-api -- --url ... conversations --user alice
 *   npm run server-api -- --url ... history --conversation g:AbC... [--before 10] [--limit 20]
 *   npm run server-api -- --url ... create-group --owner alice --title "Order 42" --members bob,carol [--client-request-id order-42]
 *   npm run server-api -- --url ... add-members --conversation g:AbC... --members dave
 *   npm run server-api -- --url ... remove-member --conversation g:AbC... --user dave
 *   npm run server-api -- --url ... erase --user alice            (DELETE /v1/users/alice: starts the erasure)
 *   npm run server-api -- --url ... erasure --user alice          (its progress)
 *   npm run server-api -- --url ... export --user alice > alice.json   (GET /v1/users/alice/export)
 *
 * `--url` defaults to IM_SERVER_API_URL (the stack output `ServerApiUrl`); locally it is
 * `http://127.0.0.1:3000/api` with AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local. The
 * region comes from `--region`, AWS_REGION, or us-east-1. Prints the JSON reply; a refusal
 * prints its status, code and reason and exits with 1.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ServerApiError, ServerClient } from '@serverless-im/server-client';

const USAGE = 'usage: server-api [--url URL] [--region REGION] post|disconnect|conversations|history|create-group|add-members|remove-member|erase|erasure|export [options]';

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new Error(`--${name} is required\n${USAGE}`);
  return value;
}

const list = (text: string): string[] => text.split(',').map((item) => item.trim()).filter((item) => item !== '');

/** Runs one command; the reply to print. */
export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      region: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      conversation: { type: 'string' },
      text: { type: 'string' },
      'client-msg-id': { type: 'string' },
      'client-request-id': { type: 'string' },
      user: { type: 'string' },
      owner: { type: 'string' },
      title: { type: 'string' },
      members: { type: 'string' },
      before: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  const url = values.url ?? env.IM_SERVER_API_URL;
  if (!url) throw new Error(`--url (or IM_SERVER_API_URL) is required\n${USAGE}`);
  const client = new ServerClient({ url, ...(values.region ? { region: values.region } : {}) });
  switch (positionals[0]) {
    case 'post': {
      const destination = values.to ? { to: values.to } : { conversationId: required(values, 'conversation') };
      // A fresh clientMsgId per call unless given: give one to make a retried command store once.
      return client.sendMessage({
        from: required(values, 'from'),
        ...destination,
        clientMsgId: values['client-msg-id'] ?? randomUUID(),
        body: { kind: 'text', text: required(values, 'text') },
      });
    }
    case 'disconnect':
      return client.disconnectUser(required(values, 'user'));
    case 'erase':
      return client.eraseUser(required(values, 'user'));
    case 'erasure':
      return client.erasureStatus(required(values, 'user'));
    case 'export':
      return client.exportUser(required(values, 'user'));
    case 'conversations':
      return client.userConversations(required(values, 'user'));
    case 'history':
      return client.conversationMessages(required(values, 'conversation'), {
        ...(values.before ? { before: Number(values.before) } : {}),
        ...(values.limit ? { limit: Number(values.limit) } : {}),
      });
    case 'create-group':
      return client.createGroup({
        title: required(values, 'title'),
        owner: required(values, 'owner'),
        members: list(values.members ?? ''),
        ...(values['client-request-id'] ? { clientRequestId: values['client-request-id'] } : {}),
      });
    case 'add-members':
      return client.addGroupMembers(required(values, 'conversation'), list(required(values, 'members')));
    case 'remove-member':
      return client.removeGroupMember(required(values, 'conversation'), required(values, 'user'));
    default:
      throw new Error(USAGE);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run(process.argv.slice(2)).then(
    (reply) => console.log(JSON.stringify(reply, null, 2)),
    (error: unknown) => {
      if (error instanceof ServerApiError) console.error(`HTTP ${error.status}${error.code ? ` ${error.code}` : ''}${error.reason ? ` (${error.reason})` : ''}: ${error.message}`);
      else console.error((error as Error).message);
      process.exit(1);
    },
  );
}
