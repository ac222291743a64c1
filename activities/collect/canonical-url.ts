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
 * - AMP and mobile variants map to the page they mirror: AMP cache URLs (`www.google.com/amp/s/…`,
 *   `…cdn.ampproject.org/c/s/…`) are unwrapped, a trailing `/amp` segment and `amp`/`outputType=amp`
 *   parameters dropped, and a leading `m.`/`mobile.`/`amp.` host label becomes `www.` (`en.m.wikipedia.org`
 *   loses its `m.`). Sites whose desktop host has no `www.` then still differ, which only costs a missed
 *   dedup that the content hash or the near-duplicate check may catch.
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

  const unwrapped = unwrapAmpCache(url);
  if (unwrapped) return canonicalUrl(unwrapped);
  url.hash = '';
  // Credentials never identify an article and must not end up in a stored key.
  url.username = '';
  url.password = '';
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.replace(/\.+$/, '');
  url.hostname = desktopHost(url.hostname);

  // Raw `name=value` parts are kept as written (no re-encoding, `?/route` stays bare) and only filtered and sorted.
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((part) => part !== '' && !isTrackingParam(paramName(part)) && !isAmpParam(part))
    .map((part, index) => ({ part, name: paramName(part), index }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index));
  url.search = kept.map(({ part }) => part).join('&');

  if (/\/amp\/?$/i.test(url.pathname)) url.pathname = url.pathname.replace(/\/amp\/?$/i, '') || '/';
  if (url.pathname.length > 1 && url.pathname.endsWith('/')) {
    url.pathname = url.pathname.replace(/\/+$/, '') || '/';
  }
  return url.toString();
}

/** The page an AMP cache URL serves, or undefined: `google.com/amp/s/<host>/<path>`, `<x>.cdn.ampproject.org/c/s/<host>/<path>`. */
function unwrapAmpCache(url: URL): string | undefined {
  const google = /^(?:www\.)?google\.[a-z.]+$/.test(url.hostname) ? /^\/amp\/(s\/)?(.+)$/.exec(url.pathname) : null;
  const cdn = url.hostname.endsWith('.cdn.ampproject.org') ? /^\/[cvir]\/(s\/)?(.+)$/.exec(url.pathname) : null;
  const match = google ?? cdn;
  if (!match?.[2]) return undefined;
  return `${match[1] ? 'https' : 'http'}://${match[2]}${url.search}`;
}

const MOBILE_LABEL = /^(?:m|mobile|amp)\./;

function desktopHost(host: string): string {
  if (/^[a-z]{2,3}(?:-[a-z]+)?\.m\.wikipedia\.org$/.test(host)) return host.replace('.m.', '.');
  // Only hosts with a registrable part left after the label (m.example.com, not m.co).
  return MOBILE_LABEL.test(host) && host.split('.').length >= 3 ? host.replace(MOBILE_LABEL, 'www.') : host;
}

function isAmpParam(part: string): boolean {
  return /^(?:amp|amp=1|amp=true|outputtype=amp)$/i.test(part);
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
