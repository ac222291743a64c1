import { cleanHeadline, createExtractiveSummarizer } from '../../../activities/summarize/extractive';
import type { TrendForSummary } from '../../../activities/summarize/types';
import fixture from '../../fixtures/trend-headlines.json';

// 15 real headlines of one story (UCI News Aggregator, CC BY 4.0), treated as most central first.
const trend: TrendForSummary = { keywords: fixture.keywords, items: fixture.items };
const headlines = trend.items.map((item) => item.title);
const words = (text: string): string[] => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

describe('extractive summarizer', () => {
  const summarizer = createExtractiveSummarizer();

  it('identifies itself as extractive-v1', async () => {
    const summary = await summarizer.summarize(trend);
    expect(summarizer.id).toBe('extractive-v1');
    expect(summary).toMatchObject({ method: 'extractive', model: 'extractive-v1', promptVersion: 'extractive-v1' });
    expect(summary.tokens).toBeUndefined();
  });

  it('titles the trend with a real headline that carries the top keywords', async () => {
    const summary = await summarizer.summarize(trend);
    expect(headlines).toContain(summary.title);
    const titleWords = words(summary.title);
    expect(titleWords).toEqual(expect.arrayContaining(['google', 'referral']));
    // The one central headline naming google, referral, apps, 15 and program beats more central but vaguer ones.
    expect(summary.title).toBe('Google Apps Referral Program: $15 Bonus for Luring in New Users');
  });

  it('writes a paragraph of counts and distinct headlines that does not repeat the title', async () => {
    const summary = await summarizer.summarize(trend);
    // Computerworld and "Computerworld (blog)" count as one source.
    expect(summary.summary).toMatch(/^15 items from 14 sources\. /);
    const sentences = summary.summary.split(/(?<=\.) /).slice(1);
    expect(sentences.length).toBeGreaterThanOrEqual(2);
    expect(sentences.length).toBeLessThanOrEqual(3);
    for (const sentence of sentences) {
      expect(headlines).toContain(sentence.replace(/\.$/, ''));
      expect(sentence).not.toContain(summary.title);
    }
  });

  it('lists up to five distinct headlines and a keywords line as key points', async () => {
    const summary = await summarizer.summarize(trend);
    const points = summary.keyPoints.slice(0, -1);
    expect(points.length).toBe(5);
    for (const point of points) expect(headlines).toContain(point);
    expect(new Set(points).size).toBe(points.length);
    expect(summary.keyPoints.at(-1)).toBe('Keywords: google, referral, apps, 15, program, business, users');
  });

  it('skips near-duplicate headlines and strips publisher suffixes', async () => {
    const duplicated: TrendForSummary = {
      keywords: ['google', 'referral', 'program'],
      items: [
        { title: 'Google Offers Apps Referral Program - Analyst Blog', source: 'NASDAQ', url: 'http://www.nasdaq.com/a' },
        { title: 'Google Offers Apps Referral Program', source: 'Zacks.com', url: 'http://www.zacks.com/b' },
        { title: 'Google offers apps referral program | Zacks', source: 'Zacks.com', url: 'http://www.zacks.com/c' },
        ...trend.items.slice(0, 6),
      ],
    };
    const summary = await summarizer.summarize(duplicated);
    const offers = summary.keyPoints.filter((p) => p.toLowerCase().startsWith('google offers apps referral program'));
    expect(offers).toEqual(['Google Offers Apps Referral Program']);
    expect(summary.title).toBe('Google Offers Apps Referral Program');
    expect(summary.summary.toLowerCase()).not.toContain('google offers apps referral program');
    expect(summary.keyPoints.join(' ')).not.toMatch(/Analyst Blog|\| Zacks/);
  });

  it('is deterministic', async () => {
    const first = await summarizer.summarize(trend);
    const again = await createExtractiveSummarizer().summarize(structuredClone(trend));
    expect(again).toEqual(first);
  });

  it('handles a single item and an empty trend without a model', async () => {
    const one = await summarizer.summarize({ keywords: ['plosser'], items: trend.items.slice(0, 1) });
    expect(one.title).toBe(headlines[0]);
    expect(one.summary).toBe(`1 item from 1 source. ${headlines[0]}.`);

    const empty = await summarizer.summarize({ keywords: ['fed', 'taper', 'plosser'], items: [] });
    expect(empty.title).toBe('Fed, taper, plosser');
    expect(empty.summary).toBe('0 items from 0 sources.');
    expect(empty.keyPoints).toEqual(['Keywords: fed, taper, plosser']);
  });
});

describe('cleanHeadline', () => {
  it.each([
    ['Google Offers Apps Referral Program - Analyst Blog', [], 'Google Offers Apps Referral Program'],
    ['Google launches referral program for Apps suite - Computerworld', ['Computerworld'], 'Google launches referral program for Apps suite'],
    ['Bon-Ton CEO to resign in 2015 | WISN Milwaukee', [], 'Bon-Ton CEO to resign in 2015'],
    ['UPDATE 2-GM expands ignition switch recall - Reuters', ['Reuters'], 'GM expands ignition switch recall'],
    ["iPhone 6 'Air' Concept Unveiled: A Realistic, Sharp Design [VIDEO]", [], "iPhone 6 'Air' Concept Unveiled: A Realistic, Sharp Design"],
    ['Bank of England will keep rates low for now - Carney', [], 'Bank of England will keep rates low for now - Carney'],
    ['Bon-Ton CEO to resign', ['BizTimes.com (Milwaukee)'], 'Bon-Ton CEO to resign'],
  ])('%s', (raw, sources, expected) => {
    expect(cleanHeadline(raw, sources)).toBe(expected);
  });
});
