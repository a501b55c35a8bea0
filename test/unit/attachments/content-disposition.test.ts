import { describe, expect, it } from 'vitest';
import { cleanName, contentDispositionOf } from '../../../functions/attachments/content-disposition.js';

describe('the Content-Disposition of a download', () => {
  it('shows images, video and audio inline and makes everything else a download', () => {
    expect(contentDispositionOf('cat.png', 'image/png')).toBe(`inline; filename="cat.png"; filename*=UTF-8''cat.png`);
    expect(contentDispositionOf('clip.mp4', 'video/mp4')).toMatch(/^inline;/);
    expect(contentDispositionOf('page.html', 'text/html')).toMatch(/^attachment;/);
    expect(contentDispositionOf('logo.svg', 'image/svg+xml')).toMatch(/^attachment;/);
    expect(contentDispositionOf('report.pdf', 'application/pdf')).toMatch(/^attachment;/);
  });

  it('keeps the name header-safe: ASCII without quotes in filename, UTF-8 percent-encoded in filename*', () => {
    expect(contentDispositionOf('Résumé "final".pdf', 'application/pdf')).toBe(
      `attachment; filename="R_sum_ _final_.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf`,
    );
    expect(contentDispositionOf("it's (1)*.pdf", 'application/pdf')).toBe(`attachment; filename="it's (1)*.pdf"; filename*=UTF-8''it%27s%20%281%29%2A.pdf`);
    expect(contentDispositionOf('a\\b.pdf', 'application/pdf')).toContain('filename="b.pdf"');
    expect(contentDispositionOf('😀.png', 'image/png')).toBe(`inline; filename="__.png"; filename*=UTF-8''%F0%9F%98%80.png`);
  });

  it('drops paths, control characters, hidden-file dots and lone surrogates', () => {
    expect(cleanName('../../etc/passwd')).toBe('passwd');
    expect(cleanName('C:\\Users\\me\\x.txt')).toBe('x.txt');
    expect(cleanName('..hidden')).toBe('hidden');
    expect(cleanName('a\u0085b')).toBe('ab');
    expect(cleanName('../')).toBe('attachment');
    expect(cleanName('x\ud800y')).toBe('x\ufffdy');
    expect(cleanName('n'.repeat(300))).toHaveLength(150);
    expect(() => contentDispositionOf('x\ud800y.pdf', 'application/pdf')).not.toThrow();
  });
});
