import { contentHash } from '../../../activities/collect/content-hash';
import { generateRows, seededRandom, type DevRow } from '../../../bench/e2e/generate';

const HOUR = 3_600_000;
const dev: DevRow[] = [
  { title: 'Fed holds rates steady', publisher: 'Reuters', hostname: 'www.reuters.com', category: 'b', story: 's1', timestampMs: 10 * HOUR },
  { title: 'Fed keeps rates unchanged', publisher: 'CNBC', hostname: 'www.cnbc.com', category: 'b', story: 's1', timestampMs: 10 * HOUR + 20_000 },
  { title: 'New phone launched', publisher: 'The Verge', hostname: 'www.theverge.com', category: 't', story: 's2', timestampMs: 30 * HOUR },
  { title: 'NEW PHONE  launched', publisher: 'Engadget', hostname: 'www.engadget.com', category: 't', story: 's2', timestampMs: 30 * HOUR + 5_000 },
];
const nowMs = Date.UTC(2026, 10, 22);

describe('generateRows', () => {
  it('uses every headline once before any repeats, verbatim unless the content hash already has it', () => {
    const rows = generateRows(dev, 4, { random: seededRandom(3), nowMs });
    expect(new Set(rows.map((r) => r.source)).size).toBe(4);
    // Rows 3 and 2 differ only in case and spacing: one of them must carry a suffix to stay unique.
    expect(rows.filter((r) => r.title === dev[r.source]?.title)).toHaveLength(3);
  });

  it('makes every title unique under the content hash, repeats carrying " - <publisher>" from the pool', () => {
    // Twenty outlets, so a headline drawn many times still finds unused publishers.
    const more = Array.from({ length: 16 }, (_, i) => ({ ...dev[0], title: `Story ${i} happened today`, publisher: `Outlet ${i}`, story: `x${i}` }) as DevRow);
    const pool = [...dev, ...more];
    const rows = generateRows(pool, 3 * pool.length, { random: seededRandom(1), nowMs });
    expect(new Set(rows.map((r) => contentHash({ title: r.title }))).size).toBe(rows.length);
    expect(new Set(rows.map((r) => r.url)).size).toBe(rows.length);
    const copies = rows.filter((x) => x.title !== pool[x.source]?.title);
    expect(copies.length).toBeGreaterThanOrEqual(2 * pool.length);
    for (const r of copies) {
      expect(r.title).toBe(`${pool[r.source]?.title} - ${r.publisher}`);
      expect(pool.map((d) => d.publisher)).toContain(r.publisher);
      expect(r.publisher).not.toBe(pool[r.source]?.publisher);
    }
  });

  it('fails clearly when the publisher pool cannot make more unique copies', () => {
    expect(() => generateRows(dev, 50, { random: seededRandom(1), nowMs })).toThrow(/ran out of publishers/);
  });

  it('keeps story labels and burst shape, shifted to just before now, with ids 1..n in time order', () => {
    const rows = generateRows(dev, 8, { random: seededRandom(2), nowMs, jitterMs: 1000 });
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(rows.every((r, i) => i === 0 || r.timestampMs >= (rows[i - 1]?.timestampMs ?? 0))).toBe(true);
    expect(Math.max(...rows.map((r) => r.timestampMs))).toBeLessThan(nowMs);
    for (const r of rows) {
      const original = dev[r.source] as DevRow;
      expect(r.story).toBe(original.story);
      // Shift is common to all rows: newest original lands 10 min + jitter before now.
      const shifted = original.timestampMs + (nowMs - 10 * 60_000 - 1000 - 30 * HOUR - 5_000);
      expect(Math.abs(r.timestampMs - shifted)).toBeLessThanOrEqual(1000);
    }
  });

  it('is reproducible for a seed', () => {
    const a = generateRows(dev, 6, { random: seededRandom(7), nowMs });
    const b = generateRows(dev, 6, { random: seededRandom(7), nowMs });
    expect(a).toEqual(b);
  });
});
