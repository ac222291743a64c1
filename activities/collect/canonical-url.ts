/**
 * Canonical URLs are the dedup key for items: two links that a reader would consider "the same
 * article" should map to one string. The original URL is kept separately for display and fetching.
 */

/** Query parameters that only carry campaign/referrer tracking and never select content. */
const TRACKING_PARAMS = new Set([
  'fbclid', 'gclid', 'dclid', 'gbraid', 'wbraid', 'msclkid', 'yclid', 'twclid', 'ttclid', 'li_fat_id',
  'mc_cid', 'mc_eid', '_hsenc', '_hsmi', 'mkt_tok', 'igshid', 'spm', 'track', 'ref', 'ref_src',
  'ref_url', 'reflink', 'cmpid', 'ocid', 'ncid', 'smid', 'sr_share',
]);
const TRACKING_PREFIXES = ['utm_', 'pk_', 'mtm_', 'hsa_'];

function isTrackingParam(name: string): boolean {
  const key = name.toLowerCase();
  return TRACKING_PARAMS.has(key) || TRACKING_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/**
 * Canonical form of an http(s) URL, or null when the input is not an absolute http(s) URL
 * (callers skip such items rather than fail the whole source).
 *
 * - scheme and host lowercased, default ports and a trailing dot on the host dropped (WHATWG URL does most of this);
 * - `www.` is KEPT: stripping it is common, but www.example.com and example.com may be different
 *   sites, and the content hash already catches the same article under both hosts;
 * - fragment and credentials removed, tracking parameters removed, the rest sorted by name
 *   (stable, so repeated keys keep their order);
 * - trailing slashes removed from the path except for the root.
 *
 * Backslashes, as in the dev data's `story\?track=rss`, are read as `/` by the WHATWG parser for
 * http(s), so such URLs still canonicalise (to `…story`). HTML-escaped ampersands and quotes
 * (`?a=1&amp;b=2`, `&#39;`), also common in scraped data, are unescaped first: left alone they would
 * turn into bogus `amp;b` parameters.
 */
export function canonicalUrl(input: string): string | null {
  let url: URL;
  try {
    url = new URL(unescapeHtml(input.trim()));
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null;

  url.hash = '';
  // Credentials never identify an article and must not end up in a stored key.
  url.username = '';
  url.password = '';
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.replace(/\.+$/, '');

  // Raw `name=value` parts are kept as written (no re-encoding, `?/route` stays bare) and only filtered and sorted.
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((part) => part !== '' && !isTrackingParam(paramName(part)))
    .map((part, index) => ({ part, name: paramName(part), index }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index));
  url.search = kept.map(({ part }) => part).join('&');

  if (url.pathname.length > 1 && url.pathname.endsWith('/')) {
    url.pathname = url.pathname.replace(/\/+$/, '') || '/';
  }
  return url.toString();
}

function paramName(part: string): string {
  const raw = part.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw; // malformed %-escape: compare the raw name
  }
}

function unescapeHtml(value: string): string {
  if (!value.includes('&')) return value;
  return value
    .replace(/&(?:amp|#0*38|#x0*26);/gi, '&')
    .replace(/&(?:apos|#0*39|#x0*27);/gi, "'")
    .replace(/&(?:quot|#0*34|#x0*22);/gi, '"');
}
