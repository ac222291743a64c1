import { canonicalUrl } from './canonical-url';
import { contentHash } from './content-hash';
import { detectLanguage } from './language';
import type { RawItem } from './sources/types';

/** An item ready to store: cleaned text, canonical URL and content hash for dedup. */
export interface NormalizedItem {
  externalId?: string;
  /** The URL as the source gave it (trimmed); canonicalUrl is the dedup key. */
  url: string;
  canonicalUrl: string;
  title: string;
  /** Plain text, possibly empty. */
  text: string;
  author?: string;
  publishedAt: Date | null;
  /** ISO 639-1 code detected from title + text; null when too short or mixed to tell. */
  language: string | null;
  contentHash: string;
  metadata: Record<string, unknown>;
}

export const MAX_TITLE_CHARS = 1000;
export const MAX_TEXT_CHARS = 20_000;
const MAX_AUTHOR_CHARS = 500;
const MAX_EXTERNAL_ID_CHARS = 1000;

/**
 * Cleans a raw item for storage; null when it has no usable http(s) URL or no title
 * (the caller counts and skips those instead of failing the batch).
 */
export function normalizeItem(raw: RawItem): NormalizedItem | null {
  const url = raw.url.trim();
  const canonical = canonicalUrl(url);
  if (canonical === null) return null;
  const title = truncate(htmlToText(raw.title), MAX_TITLE_CHARS);
  if (title === '') return null;
  const text = truncate(htmlToText(raw.text ?? ''), MAX_TEXT_CHARS);
  const author = truncate(htmlToText(raw.author ?? ''), MAX_AUTHOR_CHARS);
  const externalId = truncate((raw.externalId ?? '').trim(), MAX_EXTERNAL_ID_CHARS);
  const publishedAt =
    raw.publishedAt instanceof Date && !Number.isNaN(raw.publishedAt.getTime()) ? raw.publishedAt : null;

  return {
    ...(externalId !== '' && { externalId }),
    url,
    canonicalUrl: canonical,
    title,
    text,
    ...(author !== '' && { author }),
    publishedAt,
    language: detectLanguage(title, text, raw.language),
    contentHash: contentHash({ title, text }),
    metadata: { ...raw.metadata },
  };
}

// Block-level tags become spaces so "<p>a</p><p>b</p>" reads "a b"; inline tags vanish so "<b>W</b>ord" stays one word.
const BLOCK_TAG = /<\/?(?:p|div|br|hr|li|ul|ol|dl|dt|dd|h[1-6]|tr|td|th|table|thead|tbody|blockquote|section|article|header|footer|aside|nav|figure|figcaption|pre|img)\b[^>]*>/gi;
// Only "<" followed by a letter or "/letter" is treated as a tag, so "a < b" in plain text survives.
const ANY_TAG = /<\/?[a-zA-Z][^>]*>/g;

/**
 * Plain text from an HTML fragment or plain string: drops scripts, styles, comments and tags, decodes
 * entities, removes control characters (Postgres rejects NUL) and collapses whitespace.
 */
export function htmlToText(input: string): string {
  const stripped = input
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(BLOCK_TAG, ' ')
    .replace(ANY_TAG, '');
  return decodeHtmlEntities(stripped)
    .replace(/\s+/g, ' ')
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim();
}

// The entities that actually occur in news titles and snippets; unknown names are left as written.
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ensp: ' ', emsp: ' ', thinsp: ' ',
  ndash: '–', mdash: '—', hellip: '…', lsquo: '‘', rsquo: '’', sbquo: '‚', ldquo: '“', rdquo: '”',
  bdquo: '„', laquo: '«', raquo: '»', lsaquo: '‹', rsaquo: '›', bull: '•', middot: '·', copy: '©',
  reg: '®', trade: '™', deg: '°', euro: '€', pound: '£', yen: '¥', cent: '¢', sect: '§', para: '¶',
  times: '×', divide: '÷', plusmn: '±', frac12: '½', frac14: '¼', frac34: '¾', prime: '′', Prime: '″',
  iexcl: '¡', iquest: '¿', shy: '', zwj: '', zwnj: '',
  eacute: 'é', Eacute: 'É', egrave: 'è', ecirc: 'ê', euml: 'ë', aacute: 'á', agrave: 'à', acirc: 'â',
  auml: 'ä', Auml: 'Ä', aring: 'å', atilde: 'ã', ccedil: 'ç', iacute: 'í', iuml: 'ï', icirc: 'î',
  ntilde: 'ñ', oacute: 'ó', ocirc: 'ô', ouml: 'ö', Ouml: 'Ö', otilde: 'õ', oslash: 'ø', uacute: 'ú',
  ugrave: 'ù', ucirc: 'û', uuml: 'ü', Uuml: 'Ü', szlig: 'ß',
};

/** Decodes numeric (`&#8217;`, `&#x2019;`) and common named HTML entities once. */
export function decodeHtmlEntities(input: string): string {
  if (!input.includes('&')) return input;
  return input.replace(/&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/g, (match, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
      return valid ? String.fromCodePoint(code) : '\ufffd';
    }
    return NAMED_ENTITIES[body] ?? match;
  });
}

/** Cuts to at most `max` UTF-16 units without splitting a surrogate pair. */
function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const last = value.charCodeAt(max - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
  return value.slice(0, end).trimEnd();
}

// RFC 822 zone names V8 does not know (it returns Invalid Date for them) plus the ones it does,
// so every supported zone is explicit. Ambiguous names (IST: India/Ireland/Israel) are left out on purpose.
const ZONE_OFFSETS: Record<string, string> = {
  UT: '+0000', UTC: '+0000', GMT: '+0000', Z: '+0000', WET: '+0000', WEST: '+0100', BST: '+0100',
  CET: '+0100', CEST: '+0200', MET: '+0100', MEST: '+0200', EET: '+0200', EEST: '+0300', MSK: '+0300',
  EST: '-0500', EDT: '-0400', CST: '-0600', CDT: '-0500', MST: '-0700', MDT: '-0600', PST: '-0800',
  PDT: '-0700', AKST: '-0900', AKDT: '-0800', HST: '-1000', JST: '+0900', KST: '+0900', HKT: '+0800',
  SGT: '+0800', AWST: '+0800', ACST: '+0930', ACDT: '+1030', AEST: '+1000', AEDT: '+1100',
  NZST: '+1200', NZDT: '+1300',
};
const RFC822 = /^((?:[A-Za-z]{2,},?\s+)?\d{1,2}\s+[A-Za-z]{3,}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?)(?:\s*(\S+))?$/;
const ISO_WITHOUT_ZONE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

/**
 * Parses feed and file timestamps (RFC 822 with any common zone, ISO 8601) without depending on the
 * machine's time zone: a timestamp without a zone is read as UTC, an unknown zone name gives
 * undefined rather than a date that is hours off.
 */
export function parseDate(input: string): Date | undefined {
  const value = input.trim();
  if (value === '') return undefined;
  let normalised = value;
  const iso = ISO_WITHOUT_ZONE.exec(value);
  const rfc = iso ? null : RFC822.exec(value);
  if (iso) {
    normalised = `${iso[1]}T${iso[2]}Z`;
  } else if (rfc) {
    const zone = rfc[2];
    let offset: string | undefined;
    if (zone === undefined) offset = '+0000';
    else if (/^[+-]\d{4}$/.test(zone)) offset = zone;
    else if (/^[+-]\d{2}:\d{2}$/.test(zone)) offset = zone.replace(':', '');
    else offset = ZONE_OFFSETS[zone.toUpperCase()];
    if (offset === undefined) return undefined;
    normalised = `${rfc[1]} ${offset}`;
  }
  const date = new Date(normalised);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
