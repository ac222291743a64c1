import { contentHash } from '../../../activities/collect/content-hash';

describe('contentHash', () => {
  const base = contentHash({ title: 'Fed official says weak data caused by weather', text: 'Plosser said the soft patch was due to weather.' });

  // Pinned: stored hashes from earlier runs must stay comparable, so any change here is a migration.
  it('is sha256 hex of normalised "title\\ntext"', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash({ title: 'Hello World', text: 'Body' })).toBe('abf0ab9d88873380d6cea5b158ad0f3128d0c961e624b066b1a3ff84ea88c435');
  });

  it('ignores case, surrounding and repeated whitespace', () => {
    expect(contentHash({ title: '  FED official   says weak\tdata caused\nby weather ', text: ' Plosser said the soft   patch was due to weather. ' })).toBe(base);
  });

  it('applies NFKC so compatibility forms hash alike', () => {
    expect(contentHash({ title: 'ﬁnal ＦＥＤ call', text: '' })).toBe(contentHash({ title: 'final fed call', text: '' }));
    expect(contentHash({ title: 'Cafe\u0301', text: '' })).toBe(contentHash({ title: 'Café', text: '' }));
  });

  it('treats missing and empty text the same', () => {
    expect(contentHash({ title: 'T' })).toBe(contentHash({ title: 'T', text: '' }));
    expect(contentHash({ title: 'T', text: null })).toBe(contentHash({ title: 'T', text: '' }));
  });

  it('changes with the content and keeps title and text apart', () => {
    expect(contentHash({ title: 'Fed official says weak data caused by weather', text: 'Different body.' })).not.toBe(base);
    expect(contentHash({ title: 'a b', text: '' })).not.toBe(contentHash({ title: 'a', text: 'b' }));
  });
});
