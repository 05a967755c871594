import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../../src/experiment/csv.ts';

describe('CSV', () => {
  it('quotes fields with commas, quotes or line breaks, and leaves missing values empty', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(0.125)).toBe('0.125');
    expect(csvField(false)).toBe('false');
  });

  it('writes a header and one line per row', () => {
    const csv = toCsv(
      [
        { header: 'name', value: (r: { name: string; ap: number | null }) => r.name },
        { header: 'ap', value: (r) => r.ap },
      ],
      [
        { name: 'oracle, 20%', ap: 0.5 },
        { name: 'accept-all', ap: null },
      ],
    );
    expect(csv).toBe('name,ap\n"oracle, 20%",0.5\naccept-all,\n');
  });
});
