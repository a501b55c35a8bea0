import { pathOf, ServerApiError, ServerClient } from '@serverless-im/server-client';
import { describe, expect, it } from 'vitest';

/** A fetch that records what it was asked and answers `status` with `body`. */
function fakeFetch(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetcher = (async (url: URL | string, init: RequestInit = {}) => {
    calls.push({ url: String(url), init });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { calls, fetcher };
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

describe('ServerClient', () => {
  it('signs each request for execute-api in the given region, path and query as sent', async () => {
    const { calls, fetcher } = fakeFetch(200, { items: [], hasMore: false });
    const client = new ServerClient({ url: 'http://127.0.0.1:3000/api/', credentials, region: 'eu-west-1', fetch: fetcher });
    await client.conversationMessages('g:AbCdEfGh12', { before: 10, limit: 5 });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('http://127.0.0.1:3000/api/v1/conversations/g%3AAbCdEfGh12/messages?before=10&limit=5');
    const headers = calls[0]!.init.headers as Record<string, string>;
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
    expect(headers.host).toBeUndefined();
  });

  it('sends the JSON body and signs its content type and hash', async () => {
    const { calls, fetcher } = fakeFetch(200, { conversationId: 'g:AbCdEfGh12' });
    const client = new ServerClient({ url: 'https://abc.execute-api.us-east-1.amazonaws.com', credentials: async () => ({ ...credentials, sessionToken: 'token' }), fetch: fetcher });
    expect(await client.createGroup({ title: 'T', owner: 'alice', members: ['bob'] })).toEqual({ conversationId: 'g:AbCdEfGh12' });
    const { init } = calls[0]!;
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual({ title: 'T', owner: 'alice', members: ['bob'] });
    const headers = init.headers as Record<string, string>;
    expect(headers['x-amz-security-token']).toBe('token');
    expect(headers.authorization).toContain('SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token');
  });

  it('throws the protocol refusal with its status, code, reason and retryAfterMs', async () => {
    const { fetcher } = fakeFetch(409, { error: { code: 'CONFLICT', message: 'in progress', reason: 'inProgress', retryAfterMs: 1200 } });
    const client = new ServerClient({ url: 'http://x.test/api', credentials, fetch: fetcher });
    const refused = await client.sendMessage({ from: 'bot', to: 'alice', clientMsgId: 'c1', body: { kind: 'text', text: 'hi' } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ServerApiError);
    expect(refused).toMatchObject({ status: 409, code: 'CONFLICT', reason: 'inProgress', retryAfterMs: 1200, message: 'in progress' });
  });

  it("throws API Gateway's own refusals with no code", async () => {
    const { fetcher } = fakeFetch(403, { message: 'Forbidden' });
    const refused = await new ServerClient({ url: 'http://x.test/api', credentials, fetch: fetcher }).disconnectUser('alice').catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 403, code: undefined, message: 'Forbidden' });
    const { fetcher: html } = fakeFetch(502, '<html>bad gateway</html>');
    await expect(new ServerClient({ url: 'http://x.test/api', credentials, fetch: html }).userConversations('alice')).rejects.toMatchObject({ status: 502 });
  });

  it('fills path parameters percent-encoded and refuses a missing one', () => {
    expect(pathOf('/v1/groups/{id}/members/{userId}', { id: 'g:a/b', userId: 'x@y' })).toBe('/v1/groups/g%3Aa%2Fb/members/x%40y');
    expect(() => pathOf('/v1/users/{id}/disconnect', {})).toThrow(/missing path parameter id/);
  });
});
