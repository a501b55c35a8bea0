import { utf8ByteLength } from '@serverless-im/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('utf8ByteLength', () => {
  it('counts what Node’s UTF-8 encoder writes, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)) }), (text, surrogates) => {
        // Act + Assess
        expect(utf8ByteLength(text)).toBe(Buffer.byteLength(text, 'utf8'));
        expect(utf8ByteLength(text + surrogates)).toBe(Buffer.byteLength(text + surrogates, 'utf8'));
      }),
    );
  });
});
