import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, isLoopbackHost } from '../../../local-cloud/dev-endpoint-guard.js';
import { periodOf } from '../../../local-cloud/eventbridge/schedules.js';

describe('the local cloud dev endpoints answer only on loopback', () => {
  it('knows the loopback Host names, with or without a port', () => {
    for (const host of ['127.0.0.1', '127.0.0.1:3000', 'localhost', 'LocalHost:80', '[::1]', '[::1]:3000']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of [undefined, '', 'evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', '127.0.0.2', '::1', '[::2]', 'localhost:abc', '0.0.0.0']) {
      expect(isLoopbackHost(host), String(host)).toBe(false);
    }
  });

  it('knows loopback client addresses', () => {
    for (const address of ['127.0.0.1', '127.5.6.7', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(address), address).toBe(true);
    for (const address of [undefined, '10.0.0.1', '::ffff:10.0.0.1', '::2', '128.0.0.1']) expect(isLoopbackAddress(address), String(address)).toBe(false);
  });
});

describe('EventBridge rate expressions', () => {
  it('reads rate(N unit) as AWS writes it, and refuses what is not emulated', () => {
    expect(periodOf('rate(1 minute)', 'r')).toBe(60_000);
    expect(periodOf('rate(5 minutes)', 'r')).toBe(300_000);
    expect(periodOf('rate(2 hours)', 'r')).toBe(7_200_000);
    expect(() => periodOf('rate(1 minutes)', 'r')).toThrow(/not a valid rate/);
    expect(() => periodOf('rate(5 minute)', 'r')).toThrow(/not a valid rate/);
    expect(() => periodOf('cron(0 12 * * ? *)', 'r')).toThrow(/not emulated/);
  });
});
