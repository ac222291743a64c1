import { describeLifecycle, engagementOf, type MemberFacts } from '../../../activities/cluster/lifecycle';

const HOUR = 3_600_000;
const AS_OF = Date.UTC(2014, 2, 12, 12);
/** `count` members `hoursAgo` before AS_OF, each from its own source unless `source` is given. */
const at = (hoursAgo: number, count: number, source?: string): MemberFacts[] =>
  Array.from({ length: count }, (_, i) => ({ timeMs: AS_OF - hoursAgo * HOUR, source: source ?? `s${hoursAgo}-${i}`, engagement: null }));

describe('describeLifecycle (period 6 h)', () => {
  it('calls a story first seen within the period emerging', () => {
    const f = describeLifecycle([...at(5, 2), ...at(1, 3)], AS_OF);
    expect(f).toMatchObject({ lifecycle: 'emerging', recentCount: 5, previousCount: 0 });
    expect(f.explanation).toMatch(/^New story: 5 items from 5 sources since it first appeared 5h ago\./);
  });

  it('calls a clear rise growing, a steady level peaking and a drop fading', () => {
    expect(describeLifecycle([...at(9, 3), ...at(2, 8)], AS_OF).lifecycle).toBe('growing');
    expect(describeLifecycle([...at(9, 6), ...at(2, 6)], AS_OF).lifecycle).toBe('peaking');
    // One extra headline is not a rise.
    expect(describeLifecycle([...at(9, 1), ...at(2, 2)], AS_OF).lifecycle).toBe('peaking');
    expect(describeLifecycle([...at(9, 10), ...at(2, 3)], AS_OF).lifecycle).toBe('fading');
    const silent = describeLifecycle(at(20, 4), AS_OF);
    expect(silent).toMatchObject({ lifecycle: 'fading', recentCount: 0, previousCount: 0 });
    expect(silent.explanation).toMatch(/nothing new in the last 6h; last item 20h before/);
  });

  it('measures velocity in items per hour and acceleration per hour squared', () => {
    const f = describeLifecycle([...at(9, 3), ...at(2, 9)], AS_OF);
    expect(f.velocity).toBeCloseTo(9 / 6);
    expect(f.acceleration).toBeCloseTo((9 - 3) / 36);
    expect(f.explanation).toBe('Growing: 9 items in the last 6h, up from 3 in the 6h before, from 12 sources in all.');
  });

  it('scores source diversity from 0 (one source) to 1 (every item its own source)', () => {
    expect(describeLifecycle(at(1, 5, 'Reuters'), AS_OF).sourceDiversity).toBe(0);
    expect(describeLifecycle(at(1, 5), AS_OF).sourceDiversity).toBeCloseTo(1);
    const mixed = describeLifecycle([...at(1, 4, 'Reuters'), ...at(1, 4, 'AP')], AS_OF).sourceDiversity;
    expect(mixed).toBeGreaterThan(0);
    expect(mixed).toBeLessThan(1);
  });

  it('sums engagement when members carry it and leaves it null when none does', () => {
    expect(describeLifecycle(at(1, 3), AS_OF).engagement).toBeNull();
    const withScores = [...at(1, 2), { timeMs: AS_OF - HOUR, source: 'hn', engagement: 120 }, { timeMs: AS_OF - HOUR, source: 'hn', engagement: 30 }];
    const f = describeLifecycle(withScores, AS_OF);
    expect(f.engagement).toBe(150);
    expect(f.explanation).toContain('Engagement 150');
  });

  it('reports first and last seen and rejects a non-positive period', () => {
    const f = describeLifecycle([...at(30, 1), ...at(1, 1)], AS_OF);
    expect(f.firstSeenMs).toBe(AS_OF - 30 * HOUR);
    expect(f.lastSeenMs).toBe(AS_OF - HOUR);
    expect(() => describeLifecycle([], AS_OF, 0)).toThrow(RangeError);
  });
});

describe('engagementOf', () => {
  it('adds score and comment counts given as numbers or numeric strings and ignores the rest', () => {
    expect(engagementOf({ score: 10, num_comments: '5', publisher: 'x' })).toBe(15);
    expect(engagementOf({ points: 'many', comments: -3 })).toBeNull();
    expect(engagementOf({})).toBeNull();
  });
});
