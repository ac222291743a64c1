import { contentHash } from '../../../activities/collect/content-hash';
import { htmlToText, normalizeItem, parseDate } from '../../../activities/collect/normalize';

describe('normalizeItem', () => {
  it('cleans an item and derives canonical URL and content hash', () => {
    const item = normalizeItem({
      externalId: ' 42 ',
      url: ' http://www.latimes.com/story-1.story\\?track=rss ',
      title: '  Fed&#8217;s   Plosser &amp; the <b>taper</b>\n',
      text: '<p>First&nbsp;paragraph.</p><p>Second.</p>',
      author: 'Jim Puzzanghera',
      publishedAt: new Date('2014-03-10T16:52:50Z'),
      metadata: { publisher: 'Los Angeles Times' },
    });
    expect(item).toEqual({
      externalId: '42',
      url: 'http://www.latimes.com/story-1.story\\?track=rss',
      canonicalUrl: 'http://www.latimes.com/story-1.story',
      title: 'Fed’s Plosser & the taper',
      text: 'First paragraph. Second.',
      author: 'Jim Puzzanghera',
      publishedAt: new Date('2014-03-10T16:52:50Z'),
      language: 'en',
      contentHash: contentHash({ title: 'Fed’s Plosser & the taper', text: 'First paragraph. Second.' }),
      metadata: { publisher: 'Los Angeles Times' },
    });
  });

  it('returns null without a usable url or title', () => {
    expect(normalizeItem({ url: 'not a url', title: 'T' })).toBeNull();
    expect(normalizeItem({ url: 'mailto:x@example.com', title: 'T' })).toBeNull();
    expect(normalizeItem({ url: 'https://example.com/a', title: ' <br/> ' })).toBeNull();
  });

  it('turns invalid dates into null and omits empty optional fields', () => {
    const item = normalizeItem({ url: 'https://example.com/a', title: 'T', publishedAt: new Date('nope'), author: ' ', externalId: '' });
    expect(item?.publishedAt).toBeNull();
    expect(item).not.toHaveProperty('author');
    expect(item).not.toHaveProperty('externalId');
    expect(item?.text).toBe('');
    expect(item?.metadata).toEqual({});
  });

  it('caps title and text length without splitting surrogate pairs', () => {
    const item = normalizeItem({ url: 'https://example.com/a', title: `${'a'.repeat(999)}😀tail`, text: 'x '.repeat(20_000) });
    expect(item?.title).toBe('a'.repeat(999));
    expect(item?.text.length).toBeLessThanOrEqual(20_000);
  });
});

describe('htmlToText', () => {
  it('strips tags, scripts and comments, decodes entities and removes control characters', () => {
    expect(htmlToText('<div>A<script>var x = "<p>";</script><!-- c --> <b>b</b>old &lt;tag&gt; &#x1F600; &bogus; a < b\u0000</div>')).toBe(
      'A bold <tag> 😀 &bogus; a < b',
    );
  });
});

describe('parseDate', () => {
  it.each([
    ['Mon, 10 Mar 2014 16:52:50 +0100', '2014-03-10T15:52:50.000Z'],
    ['Mon, 10 Mar 2014 16:52:50 GMT', '2014-03-10T16:52:50.000Z'],
    ['Tue, 11 Mar 2014 09:05:00 EST', '2014-03-11T14:05:00.000Z'],
    ['Tue, 11 Mar 2014 14:30:00 CET', '2014-03-11T13:30:00.000Z'],
    ['Sun, 15 Jun 2014 10:00:00 BST', '2014-06-15T09:00:00.000Z'],
    ['10 Mar 2014 16:52 PDT', '2014-03-10T23:52:00.000Z'],
    ['Mon, 10 Mar 2014 16:52:50', '2014-03-10T16:52:50.000Z'],
    ['2014-03-12T09:15:00-05:00', '2014-03-12T14:15:00.000Z'],
    ['2014-03-10 16:52:50', '2014-03-10T16:52:50.000Z'],
    ['2014-03-10', '2014-03-10T00:00:00.000Z'],
  ])('%s → %s', (input, iso) => {
    expect(parseDate(input)?.toISOString()).toBe(iso);
  });

  it.each(['', 'sometime on Tuesday', 'Mon, 10 Mar 2014 16:52:50 IST', 'Mon, 10 Mar 2014 16:52:50 XYZ'])('gives undefined for %j', (input) => {
    expect(parseDate(input)).toBeUndefined();
  });
});
