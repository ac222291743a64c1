import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalUrl } from '../../../activities/collect/canonical-url';

describe('canonicalUrl', () => {
  it.each([
    ['HTTP://WWW.Example.COM/Path/To/Story', 'http://www.example.com/Path/To/Story'],
    ['https://example.com:443/a', 'https://example.com/a'],
    ['http://example.com:80/a', 'http://example.com/a'],
    ['http://example.com:8080/a', 'http://example.com:8080/a'],
    ['https://example.com/a#comments', 'https://example.com/a'],
    ['https://example.com/a/', 'https://example.com/a'],
    ['https://example.com/a//', 'https://example.com/a'],
    ['https://example.com/', 'https://example.com/'],
    ['https://example.com', 'https://example.com/'],
    ['https://example.com./a', 'https://example.com/a'],
    ['https://user:secret@example.com/a', 'https://example.com/a'],
    ['  https://example.com/a  ', 'https://example.com/a'],
    ['https://www.example.com/a', 'https://www.example.com/a'],
    ['https://example.com/a?utm_source=rss&utm_medium=feed&UTM_Campaign=x', 'https://example.com/a'],
    ['https://example.com/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&ref=5&ref_src=6&igshid=7&spm=8&track=rss', 'https://example.com/a'],
    ['https://example.com/a?b=2&a=1&utm_source=x&c=3', 'https://example.com/a?a=1&b=2&c=3'],
    ['https://example.com/a?tag=z&id=1&tag=a', 'https://example.com/a?id=1&tag=z&tag=a'],
    ['https://example.com/a?', 'https://example.com/a'],
    ['https://example.com/a/?id=5', 'https://example.com/a?id=5'],
    // AMP caches and AMP/mobile variants of a page
    ['https://www.google.com/amp/s/www.example.com/2024/05/story/amp/', 'https://www.example.com/2024/05/story'],
    ['https://www-example-com.cdn.ampproject.org/c/s/www.example.com/story?amp=1&id=3', 'https://www.example.com/story?id=3'],
    ['https://www.example.com/story?outputType=amp', 'https://www.example.com/story'],
    ['https://m.example.com/story', 'https://www.example.com/story'],
    ['https://AMP.Example.com/story/', 'https://www.example.com/story'],
    ['https://en.m.wikipedia.org/wiki/Rust', 'https://en.wikipedia.org/wiki/Rust'],
    ['https://m.co/a', 'https://m.co/a'],
    ['https://example.com/amplify', 'https://example.com/amplify'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalUrl(input)).toBe(expected);
  });

  it('handles the literal backslash before the query in the dev data', () => {
    expect(
      canonicalUrl('http://www.latimes.com/business/money/la-fi-mo-federal-reserve-plosser-stimulus-economy-20140310,0,1312750.story\\?track=rss'),
    ).toBe('http://www.latimes.com/business/money/la-fi-mo-federal-reserve-plosser-stimulus-economy-20140310,0,1312750.story');
    expect(canonicalUrl('http://www.fxstreet.com/news/forex-news/article.aspx\\?storyid=23285020-b1b5-47ed-a8c4-96124bb91a39')).toBe(
      'http://www.fxstreet.com/news/forex-news/article.aspx?storyid=23285020-b1b5-47ed-a8c4-96124bb91a39',
    );
  });

  it('unescapes HTML-escaped ampersands instead of inventing amp; parameters', () => {
    expect(canonicalUrl('http://money.msn.com/business-news/article.aspx\\?feed=OBR&amp;date=20140310&amp;id=17419449')).toBe(
      'http://money.msn.com/business-news/article.aspx?date=20140310&feed=OBR&id=17419449',
    );
  });

  it('keeps parameters as written, including bare route-style queries', () => {
    expect(canonicalUrl('http://www.westportnow.com/index.php\\?/v2_5/comments/47738/')).toBe('http://www.westportnow.com/index.php?/v2_5/comments/47738/');
    expect(canonicalUrl('https://example.com/s?q=a%20b&x=%2F')).toBe('https://example.com/s?q=a%20b&x=%2F');
  });

  it.each(['', 'not a url', '/relative/path', '//example.com/a', 'mailto:desk@example.com', 'ftp://example.com/a', 'javascript:alert(1)', 'http://'])(
    'returns null for %j',
    (input) => {
      expect(canonicalUrl(input)).toBeNull();
    },
  );

  it('is idempotent on the real URLs of the sample data', () => {
    const csv = readFileSync(join(__dirname, '../../fixtures/news-stories-sample.csv'), 'utf8');
    const urls = csv.match(/https?:\/\/[^,"]+/g) ?? [];
    expect(urls.length).toBeGreaterThan(20);
    for (const url of urls) {
      const canonical = canonicalUrl(url);
      expect(canonical).not.toBeNull();
      expect(canonicalUrl(canonical ?? '')).toBe(canonical);
    }
  });
});
