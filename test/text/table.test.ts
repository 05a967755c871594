import { describe, expect, it } from 'vitest';
import { fixed, meanStd, renderTable } from '../../src/text/table.ts';

describe('renderTable', () => {
  it('aligns columns: numbers right, text left, under a rule', () => {
    const rows = [
      { name: 'oracle', ap: 0.5123 },
      { name: 'accept-all', ap: null },
    ];
    const text = renderTable(
      [
        { header: 'judge', cell: (r: (typeof rows)[number]) => r.name, align: 'left' },
        { header: 'mask AP', cell: (r) => fixed(r.ap) },
      ],
      rows,
    );
    expect(text.split('\n')).toEqual([
      'judge       mask AP',
      '----------  -------',
      'oracle        0.512',
      'accept-all        -',
    ]);
  });

  it('formats a mean with its spread', () => {
    expect(meanStd(0.5, 0.0312)).toBe('0.500 ± 0.031');
    expect(meanStd(0.5, null, 2)).toBe('0.50');
    expect(meanStd(0.5, 0, 2)).toBe('0.50 ± 0.00');
    expect(meanStd(null, null)).toBe('-');
  });
});
