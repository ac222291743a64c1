import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceFormatError, SourceNotFoundError } from '../../../activities/collect/errors';
import { createSource, type RawItem, type Source } from '../../../activities/collect/sources';

const fixtures = join(__dirname, '../../fixtures');
const sampleCsv = join(fixtures, 'news-stories-sample.csv');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'trendflow-sources-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function pagesOf(source: Source, pageSize?: number): Promise<RawItem[][]> {
  const pages: RawItem[][] = [];
  for await (const page of source.fetchPages(pageSize === undefined ? {} : { pageSize })) pages.push(page);
  return pages;
}

async function itemsOf(source: Source): Promise<RawItem[]> {
  return (await pagesOf(source)).flat();
}

async function tmpFile(name: string, content: string): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, content);
  return path;
}

describe('csv source', () => {
  it('reads the dev-data excerpt with the default mapping', async () => {
    const source = createSource(`csv:${sampleCsv}`);
    const items = await itemsOf(source);
    expect(items).toHaveLength(25);
    expect(items[0]).toEqual({
      externalId: '1',
      title: 'Fed official says weak data caused by weather, should not slow taper',
      url: 'http://www.latimes.com/business/money/la-fi-mo-federal-reserve-plosser-stimulus-economy-20140310,0,1312750.story\\?track=rss',
      publishedAt: new Date(1394470370698),
      metadata: { publisher: 'Los Angeles Times', CATEGORY: 'b', STORY: 'ddUyU0VZz0BRneMioxUPQVP6sIxvM', HOSTNAME: 'www.latimes.com' },
    });
    expect(source.kind).toBe('csv');
    expect(source.stats).toEqual({ rows: 25, emitted: 25, skipped: 0 });
  });

  it('yields pages of the requested size', async () => {
    const pages = await pagesOf(createSource(`csv:${sampleCsv}`), 10);
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
  });

  it('stops cleanly when the consumer stops early', async () => {
    const source = createSource(`csv:${sampleCsv}`);
    for await (const page of source.fetchPages({ pageSize: 5 })) {
      expect(page).toHaveLength(5);
      break;
    }
    expect(source.stats.emitted).toBe(5);
  });

  it('skips and counts rows without title or url and malformed rows', async () => {
    const source = createSource(`csv:${join(fixtures, 'broken-stories.csv')}`);
    const items = await itemsOf(source);
    expect(items.map((item) => item.externalId)).toEqual(['1', '6', '7']);
    // Row 6 has an unreadable timestamp: the item stays, the date goes.
    expect(items[1]?.publishedAt).toBeUndefined();
    // 2: no title, 3: no url, 4 and 5: wrong field count, 8: unclosed quote swallowing 9.
    expect(source.stats).toEqual({ rows: 8, emitted: 3, skipped: 5 });
  });

  it('honours mapping, delimiter and timeUnit options and tolerates missing default-only columns', async () => {
    const path = await tmpFile('semi.csv', 'headline;link;secs;body\n"Markets; rally";https://example.com/a;1394470370;Stocks rose.\n');
    const [item] = await itemsOf(createSource(`csv:${path}?title=headline&url=link&published=secs&timeUnit=s&text=body&delimiter=;`));
    expect(item).toEqual({
      title: 'Markets; rally',
      url: 'https://example.com/a',
      text: 'Stocks rose.',
      publishedAt: new Date(1394470370000),
      metadata: {},
    });
  });

  it('names the missing columns when the file is not the CSV the spec expects', async () => {
    const source = createSource(`csv:${join(fixtures, 'stories.jsonl')}`);
    const err = await itemsOf(source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceFormatError);
    expect(err).toMatchObject({ message: expect.stringMatching(/is missing columns TITLE, URL \(header: /) });
  });

  it('requires columns the spec names explicitly', async () => {
    await expect(itemsOf(createSource(`csv:${sampleCsv}?text=BODY`))).rejects.toThrow(/is missing column BODY/);
  });

  it('rejects an empty file and a file whose rows are all unusable', async () => {
    const empty = await tmpFile('empty.csv', '');
    await expect(itemsOf(createSource(`csv:${empty}`))).rejects.toThrow(SourceFormatError);
    const noUrls = await tmpFile('no-urls.csv', 'TITLE,URL\na,\nb,\n');
    await expect(itemsOf(createSource(`csv:${noUrls}`))).rejects.toThrow(/none of 2 rows could be read/);
    const headerOnly = await tmpFile('header-only.csv', 'TITLE,URL\n');
    expect(await itemsOf(createSource(`csv:${headerOnly}`))).toEqual([]);
  });

  it('reports a missing file as SourceNotFoundError', async () => {
    const err = await itemsOf(createSource(`csv:${join(tmp, 'nope.csv')}`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceNotFoundError);
    expect(err).toMatchObject({ retryable: false, spec: `csv:${join(tmp, 'nope.csv')}` });
  });

  it('rethrows the caller abort reason instead of wrapping it', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by workflow');
    controller.abort(reason);
    const pages = createSource(`csv:${sampleCsv}`).fetchPages({ signal: controller.signal });
    await expect(pages[Symbol.asyncIterator]().next()).rejects.toBe(reason);
  });
});

describe('jsonl source', () => {
  it('maps objects, skips and counts bad lines', async () => {
    const source = createSource(`jsonl:${join(fixtures, 'stories.jsonl')}`);
    const items = await itemsOf(source);
    expect(items.map((item) => item.externalId)).toEqual(['a1', 'a2', '4', 'a6']);
    expect(items[0]).toEqual({
      externalId: 'a1',
      title: 'Fed official says weak data caused by weather',
      url: 'http://www.latimes.com/business/money/fed-plosser-20140310.story?utm_source=rss',
      text: 'Philadelphia Fed President Charles Plosser said &amp; more.',
      author: 'Jim Puzzanghera',
      publishedAt: new Date('2014-03-10T16:52:50Z'),
      metadata: { publisher: 'Los Angeles Times', category: 'b', tags: ['fed', 'taper'] },
    });
    expect(items[1]?.publishedAt).toEqual(new Date(1394470371207));
    // A timestamp without a zone is read as UTC, whatever the machine's zone.
    expect(items[2]?.publishedAt).toEqual(new Date('2014-03-10T16:52:50Z'));
    expect(items[3]?.publishedAt).toBeUndefined();
    // a3: no url, "not JSON", [1,2,3], a5: blank title; the empty line is not a row.
    expect(source.stats).toEqual({ rows: 8, emitted: 4, skipped: 4 });
  });

  it('rejects a file with no JSON object lines', async () => {
    await expect(itemsOf(createSource(`jsonl:${join(fixtures, 'not-jsonl.jsonl')}`))).rejects.toThrow(
      /is not JSON Lines: none of 3 lines is a JSON object/,
    );
  });

  it('names keys no object has', async () => {
    const path = await tmpFile('other-keys.jsonl', '{"headline":"a","link":"https://e.com/a"}\n');
    await expect(itemsOf(createSource(`jsonl:${path}`))).rejects.toThrow(/no object has keys title, url/);
    expect(await itemsOf(createSource(`jsonl:${path}?title=headline&url=link`))).toHaveLength(1);
  });

  it('reports a missing file as SourceNotFoundError', async () => {
    await expect(itemsOf(createSource('jsonl:./does/not/exist.jsonl'))).rejects.toThrow(SourceNotFoundError);
  });

  it('skips a hostile, deeply nested line and keeps the good lines around it', async () => {
    const deep = `{"title":"deep","url":"https://e.com/deep","x":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
    const path = await tmpFile(
      'nested.jsonl',
      `{"title":"before","url":"https://e.com/1"}\n${deep}\n{"title":"after [with \\"brackets\\" {","url":"https://e.com/2"}\n`,
    );
    const source = createSource(`jsonl:${path}`);
    expect((await itemsOf(source)).map((i) => i.title)).toEqual(['before', 'after [with "brackets" {']);
    expect(source.stats).toEqual({ rows: 3, emitted: 2, skipped: 1 });
  });
});
