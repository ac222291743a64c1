import { detectLanguage } from '../../../activities/collect/language';
import { jaccard, matchNearDuplicates, timeGroups, titleTokens } from '../../../activities/collect/near-duplicates';

const H = 3_600_000;
const T0 = Date.parse('2024-05-02T12:00:00Z');

describe('titleTokens', () => {
  it('ignores case, accents, punctuation, apostrophes, stop words and a short publisher suffix', () => {
    expect([...titleTokens("Fed's Plosser says weather caused weak data - Reuters")]).toEqual(['feds', 'plosser', 'weather', 'caused', 'weak', 'data']);
    expect([...titleTokens('FED’S PLOSSER: Weather caused WEAK data!')]).toEqual(['feds', 'plosser', 'weather', 'caused', 'weak', 'data']);
    expect(titleTokens('Café déjà vu in Zürich')).toEqual(new Set(['cafe', 'deja', 'vu', 'zurich']));
    // A long tail after a dash is part of the headline, not a publisher.
    expect(titleTokens('Apple beats estimates - iPhone sales rise in China and India')).toContain('china');
    expect(titleTokens('iPhone 5 launch')).toContain('5');
  });

  it('compares unspaced scripts by character bigrams', () => {
    expect(titleTokens('日本銀行が金融緩和を継続')).toEqual(new Set(['日本', '本銀', '銀行', '行が', 'が金', '金融', '融緩', '緩和', '和を', 'を継', '継続']));
  });
});

describe('matchNearDuplicates', () => {
  const candidates = [
    { id: '1', title: "Fed's Plosser: weather caused weak data, taper should go on", atMs: T0 - 5 * H },
    { id: '2', title: 'Unrelated: new battery chemistry for grid storage', atMs: T0 - H },
    { id: '3', title: "Fed's Plosser: weather caused weak data, taper should go on", atMs: T0 - 72 * H },
    { id: '4', title: 'Rust 1.78', atMs: T0 },
  ];

  it('links a reworded headline within 48 h to the stored one, and nothing else', () => {
    const links = matchNearDuplicates(
      [
        { id: 'a', title: "Fed's Plosser says weather caused weak data, taper should go on - Reuters", atMs: T0 },
        { id: 'b', title: 'Battery chemistry promises cheaper grid storage', atMs: T0 },
        { id: 'c', title: 'Rust 1.78', atMs: T0 }, // too short to judge
      ],
      candidates,
    );
    expect([...links]).toEqual([['a', '1']]);
  });

  it('needs Jaccard ≥ 0.8: one changed word in a short title is a different story', () => {
    expect(jaccard(titleTokens('Apple sues Samsung over patents'), titleTokens('Samsung sues Apple over patents'))).toBe(1);
    const score = jaccard(titleTokens('Google buys Nest for 3.2 billion'), titleTokens('Google buys Dropcam for 555 million'));
    expect(score).toBeLessThan(0.8);
    expect(matchNearDuplicates([{ id: 'x', title: 'Google buys Dropcam for 555 million', atMs: T0 }], [{ id: 'n', title: 'Google buys Nest for 3.2 billion', atMs: T0 }]).size).toBe(0);
  });

  it('groups a long backfill into narrow time windows', () => {
    const groups = timeGroups([{ atMs: T0 }, { atMs: T0 + 200 * H }, { atMs: T0 + 10 * H }, { atMs: T0 + 201 * H }]);
    expect(groups.map((g) => g.map((i) => (i.atMs - T0) / H))).toEqual([[0, 10], [200, 201]]);
  });
});

describe('detectLanguage', () => {
  it.each([
    ['Fed official says weak data caused by weather, should not slow taper', '', 'en'],
    ['La Fed dice que el mal tiempo causó los datos débiles', '', 'es'],
    ['Die Notenbank erhöht den Leitzins erneut', 'Die Entscheidung fiel einstimmig.', 'de'],
    ['Le gouvernement annonce une réforme des retraites', '', 'fr'],
    ['日本銀行が金融緩和を継続', '', 'ja'],
    ['Привет мир, это новость дня', '', 'ru'],
  ])('%s → %s', (title, text, lang) => {
    expect(detectLanguage(title, text)).toBe(lang);
  });

  it('says nothing for text too short to tell', () => {
    expect(detectLanguage('Apple', '')).toBeNull();
    expect(detectLanguage('iOS 18', '')).toBeNull();
  });

  it('lets the source’s declared language break a tie among close candidates, never override a clear answer', () => {
    // tinyld alone ranks Klingon first here; constructed languages are left out, and en/es is too close to call.
    expect(detectLanguage('SQLite is not a toy database', '')).toBeNull();
    expect(detectLanguage('SQLite is not a toy database', '', 'en-US')).toBe('en');
    expect(detectLanguage('La Fed dice que el mal tiempo causó los datos débiles', '', 'en')).toBe('es');
    // A hint that is not among the candidates is not forced on the item.
    expect(detectLanguage('Announcing Rust 1.78.0', '', 'de')).toBeNull();
  });
});
