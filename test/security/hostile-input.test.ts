import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../local-cloud/local-cloud.js';
import { waitForQueuesIdle } from '../support/fan-out-idle.js';
import { connectAs, startTestCloud } from '../support/test-cloud.js';
import { syncAll } from '../support/timeline-reader.js';
import type { TestClient } from '../support/ws-client.js';
import { NO_RATE_LIMITS } from '../reliability/harness.js';

/**
 * Invariant 5: bad input gets a clear error reply and changes nothing. Property-based fuzzing of
 * every action through a real WebSocket: wrong types, missing and extra fields, huge strings and
 * arrays, unicode edge cases, prototype-pollution keys, out-of-range numbers, ids with path and
 * key separators. Each frame must be answered with `ok: true` or a protocol error other than
 * INTERNAL (an INTERNAL answer to bad input is a bug); frames over the 32 KB frame limit close the
 * connection with 1009 as AWS does. No function may log at ERROR level because of bad input.
 *
 *   SECURITY_FUZZ_RUNS=2000 FUZZ_SEED=42 npx vitest run test/security/hostile-input.test.ts
 */

const RUNS = Number(process.env.SECURITY_FUZZ_RUNS ?? 150);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const FRAME_LIMIT = 32 * 1024;
const PROTOCOL_CODES = ['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'TOO_LARGE', 'RATE_LIMITED'];
const ACTIONS = [
  'send',
  'sync',
  'conversations',
  'history',
  'syncConversation',
  'read',
  'readReceipts',
  'typing',
  'presence',
  'ping',
  'createGroup',
  'addMembers',
  'removeMembers',
  'leaveGroup',
  'edit',
  'recall',
  'react',
  'registerPush',
  'unregisterPush',
  'mute',
  'setRole',
  'transferOwnership',
  'updateGroup',
  'report',
  'block',
  'unblock',
] as const;
const SECRET = 'top-secret-body-7f3a';
const SECRET_TITLE = 'secret-title-9c1d';

const text = (value: string) => ({ kind: 'text', text: value });
const suffix = `${process.pid}-${Date.now().toString(36)}`;

// ---------- hostile values ----------
const loneSurrogates = fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 8 });
const edgeStrings = fc.constantFrom(
  '',
  ' ',
  '../',
  '../../etc/passwd',
  '..\\..\\windows',
  '#',
  ':',
  '/',
  'a#b:c/d',
  'USER#bob',
  'dm:alice:alice',
  'dm:zzz:aaa',
  'dm:../..:x',
  'g:../../../x',
  'g:',
  'g:AAAAAAAA#1',
  '__proto__',
  'constructor',
  'prototype',
  '\u202eevil\u202c',
  '\u200b\u200c\u200d\ufeff',
  '\u0000',
  '🙂'.repeat(20),
  '👨‍👩‍👧‍👦',
  'שלום עולם',
  '${jndi:ldap://x}',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '%00%2e%2e%2f',
);
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  loneSurrogates,
  edgeStrings,
  fc.integer({ min: 65, max: 9_000 }).map((length) => 'x'.repeat(length)),
  fc.integer({ min: 100, max: 3_000 }).map((length) => '🙂'.repeat(length)),
);
const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constantFrom(-1, 0, -0, 0.5, 1.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 1, Number.MIN_SAFE_INTEGER - 1),
);
const hostileKey = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'id', 'action'));
const { value: hostileValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.integer({ min: 101, max: 2_500 }).map((length) => Array.from({ length }, (_, index) => `u${index}`)),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 3 }),
    fc.constant(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}')),
  ),
}));

/** JSON text of a list of entries, keeping every key as written (`__proto__` included, duplicates too). */
const frameText = (entries: [string, unknown][]): string => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`;

type Mutation = { field: string; op: 'replace' | 'delete' | 'add'; value: unknown };
const applyMutations = (entries: [string, unknown][], mutations: Mutation[]): [string, unknown][] => {
  let out = entries.map(([key, value]) => [key, value] as [string, unknown]);
  for (const mutation of mutations) {
    if (mutation.op === 'delete') out = out.filter(([key]) => key !== mutation.field);
    else if (mutation.op === 'add') out.push([mutation.field, mutation.value]);
    else {
      const index = out.findIndex(([key]) => key === mutation.field);
      if (index >= 0) out[index] = [mutation.field, mutation.value];
      else out.push([mutation.field, mutation.value]);
    }
  }
  return out;
};

/** For each action's fields, values of a type the field never accepts. */
const wrongForString = fc.oneof(hostileNumber, fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.constant({ S: 'x' }));
const wrongForInt = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(-1, 0.5, -0.5, 1e21, 2 ** 53 + 2, -1e308), fc.boolean(), fc.constant(null), fc.constant([1]), fc.constant({ N: '1' }));
const wrongForBody = fc.oneof(
  fc.string({ maxLength: 10 }),
  hostileNumber,
  fc.constant(null),
  fc.constantFrom({ kind: 'text' }, { kind: 'text', text: '' }, { kind: 'text', text: 5 }, { kind: 'html', text: 'x' }, { kind: 'custom', payload: 1 }, { kind: 'custom', type: '', payload: 1 }, { text: 'x' }, JSON.parse('{"kind":"text","text":"x","__proto__":{"admin":true}}')),
);
const wrongForUserList = fc.oneof(fc.string({ maxLength: 10 }), hostileNumber, fc.constant(null), fc.constantFrom(['../x'], ['a#b'], ['a:b'], ['a/b'], [''], [1], [null], [{}], ['x'.repeat(65)]));

describe('hostile input never crashes anything, never answers INTERNAL, never changes state', () => {
  let cloud: LocalCloud;
  let alice: TestClient;
  let bob: TestClient;
  let carol: TestClient;
  const names = { alice: `alice-${suffix}`, bob: `bob-${suffix}`, carol: `carol-${suffix}` };
  let dm = '';
  let ownGroup = '';
  let foreignGroup = '';
  let foreignDm = '';
  const baseParams = (): Record<(typeof ACTIONS)[number], Record<string, unknown>> => ({
    send: { clientMsgId: 'fuzz', to: names.bob, body: text('hi') },
    sync: { after: 0, limit: 10 },
    conversations: {},
    history: { conversationId: ownGroup, before: 5, limit: 10 },
    syncConversation: { conversationId: dm, after: 0, limit: 10 },
    read: { conversationId: dm, upTo: 1 },
    readReceipts: { conversationId: ownGroup, conversationSeq: 1 },
    typing: { conversationId: ownGroup },
    presence: { users: [names.bob] },
    ping: {},
    createGroup: { title: 'fuzz', members: [names.bob] },
    addMembers: { conversationId: foreignGroup, members: [names.alice] },
    removeMembers: { conversationId: ownGroup, members: [names.bob] },
    leaveGroup: { conversationId: foreignGroup },
    edit: { conversationId: foreignDm, conversationSeq: 1, body: text('edited') },
    recall: { conversationId: foreignDm, conversationSeq: 1 },
    react: { conversationId: dm, conversationSeq: 1, emoji: '👍', on: true },
    registerPush: { platform: 'apns', token: 'ab'.repeat(32) },
    unregisterPush: {},
    mute: { conversationId: ownGroup, until: null },
    setRole: { conversationId: ownGroup, userId: names.bob, role: 'admin' },
    transferOwnership: { conversationId: foreignGroup, userId: names.alice },
    updateGroup: { conversationId: ownGroup, title: 'fuzzed', onlyAdminsSend: false },
    report: { conversationId: dm, conversationSeq: 1, reason: 'spam' },
    // Blocking oneself is refused, unblocking someone not blocked changes nothing.
    block: { userId: names.alice },
    unblock: { userId: names.carol },
  });
  const fieldTypes: Record<string, fc.Arbitrary<unknown>> = {
    clientMsgId: wrongForString,
    to: wrongForString,
    conversationId: wrongForString,
    title: wrongForString,
    body: wrongForBody,
    after: wrongForInt,
    limit: wrongForInt,
    before: wrongForInt,
    upTo: wrongForInt,
    conversationSeq: wrongForInt,
    users: wrongForUserList,
    members: wrongForUserList,
    emoji: fc.oneof(wrongForString, fc.constantFrom('', 'ok', '👍👍', '\u200d', '\ud83d', '👍'.repeat(40))),
    on: fc.oneof(fc.string({ maxLength: 5 }), hostileNumber, fc.constant(null), fc.constant([true])),
    platform: wrongForString,
    token: wrongForString,
    userId: wrongForString,
    role: fc.oneof(wrongForString, fc.constantFrom('owner', 'Admin', 'superuser')),
    reason: fc.oneof(wrongForString, fc.constantFrom('because', 'SPAM', 'x'.repeat(300))),
    onlyAdminsSend: fc.oneof(fc.string({ maxLength: 5 }), hostileNumber, fc.constant(null), fc.constant([true])),
    onlyAdminsAdd: fc.oneof(fc.string({ maxLength: 5 }), hostileNumber, fc.constant(null), fc.constant([true])),
    // null is an accepted `until` (unmute): only the other wrong values.
    until: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(-1, 0.5, 1e21, 2 ** 53 + 2), fc.boolean(), fc.constant([1]), fc.constant({ N: '1' })),
  };
  const stats = { frames: 0, ok: 0, errors: {} as Record<string, number>, closed1009: 0, internal: [] as string[] };

  /** Sends one frame; checks the answer. Reconnects after an oversized frame closed the connection. */
  async function exchange(client: TestClient, raw: string): Promise<{ kind: 'reply'; reply: any } | { kind: 'closed' }> {
    stats.frames++;
    if (Buffer.byteLength(raw, 'utf8') > FRAME_LIMIT) {
      client.socket.send(raw);
      await client.waitFor(() => client.closeCode !== undefined, 20_000);
      expect(client.closeCode).toBe(1009);
      stats.closed1009++;
      return { kind: 'closed' };
    }
    const reply = (await client.sendRaw(raw)) as any;
    expect(reply && typeof reply === 'object', `a JSON reply to ${raw.slice(0, 300)}`).toBe(true);
    expect(reply.message, `no gateway error for ${raw.slice(0, 300)}`).toBeUndefined();
    expect(typeof reply.ok).toBe('boolean');
    if (!reply.ok) {
      expect(typeof reply.error?.message).toBe('string');
      if (reply.error?.code === 'INTERNAL') stats.internal.push(raw.slice(0, 500));
      expect(PROTOCOL_CODES, `protocol error code for ${raw.slice(0, 300)}: ${JSON.stringify(reply)}`).toContain(reply.error?.code);
      stats.errors[reply.error.code] = (stats.errors[reply.error.code] ?? 0) + 1;
      const replyText = JSON.stringify(reply);
      expect(replyText).not.toContain(SECRET);
      expect(replyText).not.toContain(SECRET_TITLE);
    } else stats.ok++;
    return { kind: 'reply', reply };
  }

  const snapshot = async () => {
    const [aliceItems, bobItems, carolItems] = await Promise.all([syncAll(alice), syncAll(bob), syncAll(carol)]);
    const lists = await Promise.all([alice, bob, carol].map((client) => client.request('conversations')));
    return JSON.stringify({ aliceItems, bobItems, carolItems, lists: lists.map((list) => list.data) });
  };

  const freshAlice = async () => {
    alice = await connectAs(cloud, names.alice, 'fuzzer');
    return alice;
  };

  beforeAll(async () => {
    cloud = await startTestCloud({ functionEnvironment: NO_RATE_LIMITS });
    alice = await connectAs(cloud, names.alice, 'fuzzer');
    bob = await connectAs(cloud, names.bob);
    carol = await connectAs(cloud, names.carol);
    const sent = await alice.request('send', { clientMsgId: 'seed', to: names.bob, body: text('hello bob') });
    dm = sent.data.conversationId;
    ownGroup = (await bob.request('createGroup', { title: 'with alice', members: [names.alice] })).data.conversationId;
    foreignGroup = (await bob.request('createGroup', { title: SECRET_TITLE, members: [names.carol] })).data.conversationId;
    foreignDm = (await bob.request('send', { clientMsgId: 'secret', to: names.carol, body: text(SECRET) })).data.conversationId;
    await bob.request('send', { clientMsgId: 'g1', conversationId: ownGroup, body: text('group hello') });
    await waitForQueuesIdle(cloud);
  });
  afterAll(async () => {
    console.log('[security] hostile input', JSON.stringify({ ...stats, internal: stats.internal.length }));
    await Promise.all([alice, bob, carol].map((client) => client?.close()));
    await cloud?.stop();
  });

  it('answers every mutated frame of every action with a result or a protocol error (never INTERNAL), and the connection survives', async () => {
    const base = baseParams();
    const knownFields = [...new Set(Object.values(base).flatMap((params) => Object.keys(params))), 'id', 'action'];
    const mutation = fc.record({
      field: fc.oneof(fc.constantFrom(...knownFields), hostileKey),
      op: fc.constantFrom<'replace' | 'delete' | 'add'>('replace', 'replace', 'delete', 'add'),
      value: hostileValue,
    });
    const frame = fc.record({
      action: fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...ACTIONS) }, { weight: 1, arbitrary: fc.oneof(hostileString, fc.constantFrom('$connect', '$disconnect', '$default', 'SEND', 'send ', 'sync\u0000')) }),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(frame, async ({ action, mutations }) => {
        const params = (base as Record<string, Record<string, unknown>>)[action] ?? {};
        const entries = applyMutations([['action', action], ['id', `f${++n}`], ...Object.entries(params)], mutations);
        const result = await exchange(alice, frameText(entries));
        if (result.kind === 'closed') await freshAlice();
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
    expect((await alice.request('ping')).ok).toBe(true);
    // A mutation may have left a valid `block` (of some user id the fuzzer made up): undo it, so
    // the tests after this one send to whom they mean to.
    for (const userId of (await alice.request('conversations')).data.blocked) expect((await alice.request('unblock', { userId })).ok).toBe(true);
  });

  it('changes no stored state for a batch of frames that are invalid by construction', async () => {
    await waitForQueuesIdle(cloud);
    const before = await snapshot();
    const base = baseParams();
    // Each frame has one field of its action with a type that field never accepts; more mutations may follow before it.
    const frame = fc
      .constantFrom(...ACTIONS)
      .chain((action) => {
        const fields = Object.keys(base[action]).filter((field) => field in fieldTypes);
        const forced =
          fields.length > 0
            ? fc.constantFrom(...fields).chain((field) => fieldTypes[field]!.map((value) => ({ field, op: 'replace' as const, value })))
            : hostileValue.map((value) => ({ field: 'unexpectedField', op: 'add' as const, value }));
        const extra = fc.array(fc.record({ field: hostileKey.filter((key) => key !== 'action' && key !== 'id' && !(key in base[action])), op: fc.constant('add' as const), value: hostileValue }), { maxLength: 2 });
        return fc.record({ action: fc.constant(action), extra, forced });
      });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(frame, async ({ action, extra, forced }) => {
        const entries = applyMutations([['action', action], ['id', `i${++n}`], ...Object.entries(base[action])], [...extra, forced]);
        const result = await exchange(alice, frameText(entries));
        if (result.kind === 'closed') {
          await freshAlice();
          return;
        }
        expect(result.reply.ok, `refused: ${frameText(entries).slice(0, 300)}`).toBe(false);
        expect(['BAD_REQUEST', 'TOO_LARGE', 'RATE_LIMITED']).toContain(result.reply.error.code);
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
    await waitForQueuesIdle(cloud);
    expect(await snapshot()).toEqual(before);
  });

  it('answers non-JSON, non-object and broken frames with BAD_REQUEST, changing nothing', async () => {
    await waitForQueuesIdle(cloud);
    const before = await snapshot();
    const frames = [
      'this is not json',
      ' ',
      'null',
      'true',
      '42',
      '"send"',
      '[]',
      '[{"action":"send"}]',
      '{',
      '{"action":"send"',
      '{"action":"send","id":"x",}',
      'NaN',
      '1e309',
      '{"action":"ping","id":"p","id":"q","extra":1}',
      '{"action":{"$ne":null},"id":"o"}',
      '{"action":["send"],"id":"a"}',
      '{"action":null,"id":"n"}',
      '{"id":"noaction"}',
      '{"action":"send","id":"s","clientMsgId":"c","to":"__proto__","body":{"kind":"text","text":"x"},"__proto__":{"admin":true}}',
      '{"__proto__":{"action":"send"},"id":"pp"}',
      '{"action":"sync","id":"big","after":1e400}',
      '{"action":"sync","id":"neg","after":-0.0000001}',
      '{"action":"read","id":"r","conversationId":"dm:a:b","upTo":1e400}',
      `{"action":"history","id":"h","conversationId":"${'dm:'.repeat(40)}"}`,
      '\ud800\udfff\ud800',
      '\u0000\u0000',
      // Raw lone surrogates become U+FFFD in UTF-8 on the wire; the unknown field keeps the frame invalid.
      '{"action":"send","id":"\ud800","clientMsgId":"\udc00","to":"bob","body":{"kind":"text","text":"\ud800"},"x\udc00":1}',
    ];
    for (const raw of frames) {
      const result = await exchange(alice, raw);
      expect(result.kind).toBe('reply');
      if (result.kind === 'reply') expect(result.reply.ok, raw).toBe(false);
    }
    // Unknown actions, including names of internal routes.
    for (const action of ['fly', '$connect', '$disconnect', '$default', 'Send', 'constructor', '__proto__', 'toString', 'deleteUser', 'x'.repeat(500)]) {
      const result = await exchange(alice, JSON.stringify({ action, id: 'u' }));
      if (result.kind === 'reply') expect(result.reply.error?.code, action).toBe('BAD_REQUEST');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('closes the connection on a binary frame (1003) and on a frame over 32 KB (1009), as AWS does, and keeps serving others', async () => {
    const binary = await connectAs(cloud, names.alice, 'bin');
    binary.socket.send(Buffer.from([0x00, 0xff, 0x7b, 0x7d]), { binary: true });
    await binary.waitFor(() => binary.closeCode !== undefined);
    expect(binary.closeCode).toBe(1003);
    const big = await connectAs(cloud, names.alice, 'big');
    big.socket.send(JSON.stringify({ action: 'send', id: 'big', clientMsgId: 'big', to: names.bob, body: text('x'.repeat(40_000)) }));
    await big.waitFor(() => big.closeCode !== undefined);
    expect(big.closeCode).toBe(1009);
    expect((await alice.request('ping')).ok).toBe(true);
    expect((await syncAll(bob)).some((item) => item.message?.clientMsgId === 'big')).toBe(false);
  });

  it('stores odd but valid unicode exactly as sent, and refuses ids that only look like ids', async () => {
    const odd = ['\u202eevil\u202c', '\u200b', '👨‍👩‍👧‍👦 שלום', 'a\u0000b', '../#:/'];
    for (const [index, value] of odd.entries()) {
      const reply = await alice.request('send', { clientMsgId: `odd${index}`, to: names.bob, body: text(value) });
      expect(reply.ok, JSON.stringify(reply)).toBe(true);
    }
    // `__proto__` and `constructor` are valid user ids: ordinary users, no prototype pollution.
    for (const peer of ['__proto__', 'constructor']) {
      const reply = await alice.request('send', { clientMsgId: `to-${peer}`, to: peer, body: text(`hi ${peer}`) });
      expect(reply.ok, JSON.stringify(reply)).toBe(true);
    }
    const listed = (await alice.request('conversations')).data.items.map((item: any) => item.peer);
    expect(listed).toEqual(expect.arrayContaining(['__proto__', 'constructor', names.bob]));
    const odder = await connectAs(cloud, '__proto__');
    expect((await syncAll(odder)).map((item) => item.message?.body.text)).toEqual(['hi __proto__']);
    await odder.close();
    const items = await syncAll(bob);
    const texts = items.filter((item) => item.message?.from === names.alice && item.message.clientMsgId.startsWith('odd')).map((item) => item.message!.body.text);
    expect(texts).toEqual(odd);
    // A lone surrogate in a text body: JSON escapes survive the wire; whatever is stored, the reply is not INTERNAL.
    const lone = await exchange(alice, '{"action":"send","id":"lone","clientMsgId":"lone","to":"' + names.bob + '","body":{"kind":"text","text":"\\ud800x"}}');
    expect(lone.kind).toBe('reply');
    for (const conversationId of ['dm:../x:y', `dm:${names.bob}:${names.alice}`, `dm:${names.alice}:${names.alice}`, 'g:../../../../x', 'g:AAAAAAAA/..', 'g:AAAAAAAA#x', 'g:AAAAAAAA:1', `${foreignDm}#`, `${foreignDm}/`]) {
      const reply = await alice.request('history', { conversationId });
      expect(['BAD_REQUEST', 'FORBIDDEN'], `${conversationId}: ${JSON.stringify(reply)}`).toContain(reply.error?.code);
      expect(JSON.stringify(reply)).not.toContain(SECRET);
    }
  });

  it('logged nothing at ERROR level for any of it', () => {
    const errors = cloud.logs.filter((entry) => /"level":\s*"ERROR"/.test(entry.line) || /action failed/.test(entry.line));
    expect(errors.map((entry) => `${entry.functionName}: ${entry.line.slice(0, 400)}`)).toEqual([]);
    expect(stats.internal).toEqual([]);
  });
});
