import type { Summarizer, TrendForSummary, TrendSummary } from './types';

const ID = 'extractive-v1';
/** Two headlines sharing this much of their content words say the same thing. */
const NEAR_DUPLICATE_JACCARD = 0.6;
/** Keywords arrive best first; beyond the first few they describe the tail, not the story. */
const TOP_KEYWORDS = 5;
/** Only the most central members compete for the title, so a keyword-stuffed outlier cannot win. */
const TITLE_CANDIDATES = 10;
const SUMMARY_SENTENCES = 3;
const KEY_POINTS = 5;

/*
 * A short English function-word list. Headlines are terse, so this small set removes nearly all
 * noise; the `stopword` package ships no type declarations, which strict mode would reject.
 */
const STOPWORDS = new Set(
  ('a an the and or but nor so yet of to in on at by for from with without into onto over under ' +
    'about after before as than then is are was were be been being am do does did has have had ' +
    'will would can could should may might must shall it its this that these those he she they we ' +
    'you i his her their our your my me him them us who whom which what when where why how not no ' +
    'up down out off if just also more most very new says said say amid via vs').split(' '),
);

/** Wire-service slugs that prefix headlines ("UPDATE 2-", "ANALYSIS-") and carry no content. */
const WIRE_PREFIX =
  /^(?:UPDATE \d+|RPT|REFILE|CORRECTED|EXCLUSIVE|ANALYSIS|INSIGHT|FACTBOX|HIGHLIGHTS|WRAPUP(?: \d+)?|PREVIEW|TIMELINE|GLOBAL MARKETS|NYMEX|BREAKINGVIEWS)\s?-\s*/;
const MEDIA_PREFIX = /^(?:VIDEO|WATCH|PHOTOS?|LISTEN|LIVE)\s*:\s*/i;
const MEDIA_TAG = /\s*[([](?:video|photos?|pics?|watch|audio)[)\]]/gi;
/** Last words that mark a trailing segment as a publication or section name ("Analyst Blog", "Tech Times"). */
const PUBLICATION_WORDS =
  /\b(?:blog|news|times|post|journal|herald|tribune|magazine|daily|online|review|report|today|gazette|wire|digest)$/i;

/** Builds the model-free summarizer: deterministic, picks real headlines rather than writing text. */
export function createExtractiveSummarizer(): Summarizer {
  return {
    id: ID,
    model: ID,
    promptVersion: ID,
    usesTokens: false,
    summarize: (trend) => Promise.resolve(summarizeExtractively(trend)),
  };
}

interface Candidate {
  text: string;
  tokens: Set<string>;
  /** Position in the trend, 0 = most central. */
  rank: number;
  keywordHits: number;
  truncated: boolean;
}

function summarizeExtractively(trend: TrendForSummary): TrendSummary {
  const keywords = trend.keywords.filter((k) => k.trim() !== '');
  const topKeywords = keywords.slice(0, TOP_KEYWORDS).map((k) => tokenize(k)).filter((t) => t.length > 0);
  const sourceKeys = new Set(trend.items.map((item) => normalizeName(item.source)).filter((s) => s !== ''));

  const candidates: Candidate[] = trend.items
    .map((item, rank) => {
      const text = stripDecorations(item.title, sourceKeys);
      const tokens = new Set(tokenize(text));
      return {
        text,
        tokens,
        rank,
        keywordHits: topKeywords.filter((kw) => kw.every((t) => tokens.has(t))).length,
        truncated: /(?:\.\.\.|…)$/.test(text),
      };
    })
    .filter((c) => c.tokens.size > 0);

  const base = {
    method: 'extractive' as const,
    model: ID,
    promptVersion: ID,
  };
  const keywordLine = keywords.length > 0 ? `Keywords: ${keywords.slice(0, 8).join(', ')}` : undefined;
  const counts = describeCounts(trend);

  const title = pickTitle(candidates);
  if (title === undefined) {
    // No usable headline (empty trend or all titles blank): fall back to the keywords so the trend still has a label.
    const fallbackTitle = keywords.length > 0 ? capitalize(keywords.slice(0, 3).join(', ')) : 'Untitled trend';
    return { ...base, title: fallbackTitle, summary: `${counts}.`, keyPoints: keywordLine ? [keywordLine] : [] };
  }

  const scores = new Map(candidates.map((c) => [c, representativeness(c, trend.items.length, topKeywords.length)]));
  const byRepresentativeness = [...candidates].sort(
    (a, b) => (scores.get(b) ?? 0) - (scores.get(a) ?? 0) || a.rank - b.rank,
  );
  // The summary adds to the title rather than repeating it, so the title seeds the duplicate check.
  const sentences = pickDistinct(byRepresentativeness, SUMMARY_SENTENCES, [title]);
  const summaryParts = (sentences.length > 0 ? sentences : [title]).map((c) => asSentence(c.text));
  const keyPoints = pickDistinct(byRepresentativeness, KEY_POINTS, []).map((c) => c.text);

  return {
    ...base,
    title: title.text.replace(/\s*(?:\.\.\.|…)$/, '…'),
    summary: [`${counts}.`, ...summaryParts].join(' '),
    keyPoints: keywordLine ? [...keyPoints, keywordLine] : keyPoints,
  };
}

/** Most top keywords wins; among equals the more central one. Truncated or very short headlines lose ties. */
function pickTitle(candidates: Candidate[]): Candidate | undefined {
  const pool = candidates.slice(0, TITLE_CANDIDATES);
  const score = (c: Candidate): number => c.keywordHits - (c.truncated ? 0.5 : 0) - (c.tokens.size < 3 ? 0.75 : 0);
  let best: Candidate | undefined;
  for (const c of pool) {
    if (best === undefined || score(c) > score(best)) best = c;
  }
  return best;
}

/** Centrality and keyword coverage weigh equally: central but off-topic or on-topic but peripheral both rank lower. */
function representativeness(c: Candidate, total: number, keywordCount: number): number {
  const centrality = total > 1 ? 1 - c.rank / (total - 1) : 1;
  const coverage = keywordCount > 0 ? c.keywordHits / keywordCount : 0;
  return centrality + coverage - (c.truncated ? 0.25 : 0);
}

/** Greedy pick in the given order, skipping anything near-identical to what is already chosen or excluded. */
function pickDistinct(ordered: Candidate[], limit: number, exclude: Candidate[]): Candidate[] {
  const chosen: Candidate[] = [];
  for (const c of ordered) {
    if (chosen.length >= limit) break;
    const seen = [...exclude, ...chosen];
    if (seen.some((s) => s === c || jaccard(s.tokens, c.tokens) >= NEAR_DUPLICATE_JACCARD)) continue;
    chosen.push(c);
  }
  return chosen;
}

function describeCounts(trend: TrendForSummary): string {
  const sources = new Set(
    trend.items.map((item) => normalizeName(item.source) || hostOf(item.url)).filter((s) => s !== ''),
  );
  const items = trend.totals?.items ?? trend.items.length;
  const sourceCount = trend.totals?.sources ?? sources.size;
  return `${items} ${items === 1 ? 'item' : 'items'} from ${sourceCount} ${sourceCount === 1 ? 'source' : 'sources'}`;
}

/**
 * Strips what aggregators and wire services bolt onto headlines. A trailing " - X" is kept unless X is
 * recognisably a publisher, because news headlines also use dashes for attribution ("Rates to stay low - Carney").
 */
export function cleanHeadline(raw: string, sourceNames: readonly string[] = []): string {
  return stripDecorations(raw, new Set(sourceNames.map(normalizeName)));
}

function stripDecorations(raw: string, sourceKeys: ReadonlySet<string>): string {
  let text = raw.replace(/\s+/g, ' ').trim().replace(WIRE_PREFIX, '').replace(MEDIA_PREFIX, '').replace(MEDIA_TAG, '');
  for (let i = 0; i < 2; i++) {
    // Greedy head, so the last separator splits; the tail may hold hyphens ("Bon-Ton Times").
    const match = /^(.*\S)\s+([-|–—])\s+(.+)$/.exec(text);
    if (!match) break;
    const [, head = '', separator, tail = ''] = match;
    if (head.split(' ').length < 3 || !isPublisherSuffix(tail.trim(), separator === '|', sourceKeys)) break;
    text = head;
  }
  return text.trim();
}

function isPublisherSuffix(tail: string, isPipe: boolean, sourceKeys: ReadonlySet<string>): boolean {
  const words = tail.split(/\s+/).length;
  if (isPipe) return words <= 5; // "| Site" and "| Section" are never part of the headline itself.
  const key = normalizeName(tail);
  if (key !== '' && [...sourceKeys].some((s) => sameName(s, key))) return true;
  if (/^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$/i.test(tail)) return true; // a bare domain
  if (/^(?:video|watch|photos?|audio)$/i.test(tail)) return true;
  if (/(?:\.\.\.|…)$/.test(tail) && words <= 5) return true; // a truncated publisher name
  return words <= 4 && PUBLICATION_WORDS.test(tail.replace(/[^\w\s]/g, '').trim());
}

/** Lowercased content words with possessives and plural "s" folded, so "Apps" matches keyword "app". */
function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? []) {
    const word = raw.replace(/['’]s$/, '').replace(/['’]/g, '');
    if (STOPWORDS.has(word) || word.length < 2) continue;
    out.push(word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word);
  }
  return out;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const t of a) if (b.has(t)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

/** Publisher names arrive with escapes and qualifiers ("Computerworld \(blog\)"); compare on letters and digits only. */
function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\(.*?\)|\\/g, '').replace(/[^\p{L}\p{N}]/gu, '');
}

/** Equal, or one a prefix of the other ("Huffington" / "Huffington Post"); short names must match exactly. */
function sameName(a: string, b: string): boolean {
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  return shorter === longer || (shorter.length >= 5 && longer.startsWith(shorter));
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return '';
  }
}

function asSentence(text: string): string {
  const trimmed = text.replace(/\s*(?:\.\.\.|…)$/, '…');
  return /[.!?…]["'’”)]?$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
