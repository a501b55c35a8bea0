import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_REASONS } from '@serverless-im/protocol';
import { synthTemplate, webSocketRoutes } from '../support/synth-stack.js';

/**
 * docs/protocol.md is the wire contract: these tests fail when the server gains an action, an
 * event or an error code that the document does not describe, and when a documented action no
 * longer exists.
 */

const root = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const protocol = read('docs/protocol.md');

/** The `### \`name\`` headings between `## <from>` and the next `## ` heading. */
function namedHeadings(markdown: string, section: string): string[] {
  const start = markdown.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`no "## ${section}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  const body = markdown.slice(start, end < 0 ? undefined : end);
  return [...body.matchAll(/^### `([A-Za-z]+)`$/gm)].map((match) => match[1]!);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = heading!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(ext))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

/** Every code and reason sub-code of the protocol package, reserved ones included. */
const REASONS: Record<string, readonly string[]> = ERROR_REASONS;

describe('docs/protocol.md, the wire contract', () => {
  it('documents every action the stack routes, and no action it does not route', () => {
    const template = synthTemplate();
    // The WebSocket API's routes; the server API's HTTP routes are docs/server-api.md's.
    const routed = webSocketRoutes(template)
      .map(([, route]) => String(route.Properties.RouteKey))
      .filter((key) => !key.startsWith('$'));
    expect(routed.length).toBeGreaterThan(10);
    const documented = namedHeadings(protocol, 'Actions');
    expect([...documented].sort()).toEqual([...routed].sort());
  });

  it('documents every event the server pushes', () => {
    const pushed = new Set<string>();
    for (const file of filesUnder('functions', '.ts')) {
      for (const [, name] of read(file).matchAll(/\bevent: '([A-Za-z]+)'/g)) pushed.add(name!);
    }
    expect(pushed.size).toBeGreaterThanOrEqual(4);
    const documented = new Set(namedHeadings(protocol, 'Events'));
    expect([...pushed].filter((name) => !documented.has(name))).toEqual([]);
  });

  it('documents every error code and reason in its errors table', () => {
    const start = protocol.indexOf('\n## Errors\n');
    const table = protocol.slice(start, protocol.indexOf('\n## ', start + 1));
    for (const [code, reasons] of Object.entries(REASONS)) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, `row for ${code}`).toBeDefined();
      for (const reason of reasons) expect(row, `${code} ${reason}`).toContain(`\`${reason}\``);
    }
  });

  it('has no link to a heading that does not exist', () => {
    const targets: Record<string, Set<string>> = {
      'protocol.md': anchorsOf(protocol),
      'protocol-notes.md': anchorsOf(read('docs/protocol-notes.md')),
      'deployment.md': anchorsOf(read('docs/deployment.md')),
    };
    for (const file of ['protocol.md', 'protocol-notes.md']) {
      const text = read(`docs/${file}`);
      for (const [, target, anchor] of text.matchAll(/\]\(([a-z-]*\.md)?#([^)]+)\)/g)) {
        const page = target ?? file;
        expect(targets[page]?.has(anchor!), `${file}: ${page}#${anchor}`).toBe(true);
      }
    }
  });

  it('is what the README, docs/ and the SDK README link to, with no link leaving the repository', () => {
    const files = ['README.md', 'client/README.md', ...filesUnder('docs', '.md')];
    for (const file of files) {
      const text = read(file);
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const resolved = path.resolve(root, path.dirname(file), target!.split('#')[0]!);
        expect(resolved.startsWith(root + path.sep) && existsSync(resolved), `${file} links to ${target}`).toBe(true);
      }
      expect(text, file).not.toMatch(/\.\.\/shared/);
    }
    expect(read('README.md')).toContain('](docs/protocol.md)');
    expect(read('client/README.md')).toContain('](../docs/protocol.md)');
  });
});
