import { describe, expect, it } from 'vitest';
import { MAX_FILE_NAME_CHARS, storedFileName } from '../../../src/domains/datasets/file-name.ts';

describe('storedFileName', () => {
  it('removes controls, NUL and bidirectional formatting characters', () => {
    const bidi = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c';
    expect(storedFileName(`a\u0000b\u001f\u007f\u0085c${bidi}.png`, 'x')).toBe('abc.png');
  });

  it('keeps ordinary Unicode, including astral characters', () => {
    expect(storedFileName('Straße 🐱 猫.jpg', 'x')).toBe('Straße 🐱 猫.jpg');
  });

  it('caps at 255 characters keeping the extension and never splits a surrogate pair', () => {
    const capped = storedFileName(`${'🐱'.repeat(300)}.webp`, 'x');
    expect([...capped]).toHaveLength(MAX_FILE_NAME_CHARS);
    expect(capped.endsWith('🐱.webp')).toBe(true);
    expect(capped).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it('treats a long tail after the last dot as part of the name, not an extension', () => {
    const name = `a.${'b'.repeat(400)}`;
    expect(storedFileName(name, 'x')).toBe(name.slice(0, MAX_FILE_NAME_CHARS));
  });

  it('falls back when nothing is left', () => {
    expect(storedFileName('\u202e\u0000', 'file-3')).toBe('file-3');
  });
});
