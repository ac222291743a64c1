/**
 * Near-duplicate headlines: the same story reported by two sources under slightly different titles
 * ("Fed's Plosser: weather caused weak data" on a feed, "Fed's Plosser says weather caused weak
 * data - Reuters" on Reddit). A deliberately simple rule, cheap enough to run on every stored page:
 *
 *   token Jaccard of the normalised titles ≥ NEAR_DUPLICATE_JACCARD, both titles with at least
 *   MIN_TOKENS tokens, from different sources, published (else collected) within NEAR_DUPLICATE_WINDOW_MS.
 *
 * The later item is stored but linked (`items.duplicate_of`) to the one stored first, so exact
 * duplicates stay dropped while near ones keep their own URL, source and engagement. A vector-based
 * check could replace this once embeddings are available at collect time.
 */
export const NEAR_DUPLICATE_JACCARD = 0.8;
export const NEAR_DUPLICATE_WINDOW_MS = 48 * 3_600_000;
export const MIN_TOKENS = 3;

// Words that carry no story: articles, auxiliaries, prepositions (English, the bulk of the corpus).
const STOPWORDS = new Set(
  ('a an the and or but of to in on at by for from with as is are was were be been has have had it its this that these those ' +
    'into over after before about says say said will would can could may might not no new how why what who when').split(' '),
);
// Scripts written without spaces between words: compared by character bigrams instead of words.
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]+/gu;
// A trailing " - Reuters" / " | The Verge" / " — BBC News": the publisher, not the story.
const PUBLISHER_SUFFIX = /\s+[-|–—]\s+([^-|–—]{1,40})$/;

/** The set of comparable tokens of a title: words (or CJK/Thai bigrams), case- and accent-insensitive. */
export function titleTokens(title: string): Set<string> {
  let text = title.normalize('NFKC').toLowerCase();
  const suffix = PUBLISHER_SUFFIX.exec(text);
  // Only short suffixes are a publisher; keep the title whole if stripping would leave little of it.
  if (suffix && (suffix[1] ?? '').trim().split(/\s+/).length <= 3 && suffix.index >= 20) text = text.slice(0, suffix.index);
  // Accents off Latin letters only: a Japanese dakuten (が) is part of the character, not decoration.
  text = text.normalize('NFD').replace(/(\p{Script=Latin})\p{M}+/gu, '$1').normalize('NFC').replace(/['’‘`]/g, '');
  const tokens = new Set<string>();
  text = text.replace(UNSPACED, (run) => {
    if (run.length === 1) tokens.add(run);
    for (let i = 0; i + 1 < run.length; i++) tokens.add(run.slice(i, i + 2));
    return ' ';
  });
  // Numbers keep their decimals ("1.78", "3.2"), so versions and amounts stay one token.
  for (const [word] of text.matchAll(/[\p{L}\p{N}]+(?:[.,]\p{N}+)*/gu)) {
    if (STOPWORDS.has(word) || (word.length === 1 && !/\d/.test(word))) continue;
    tokens.add(word);
  }
  return tokens;
}

/** |A ∩ B| / |A ∪ B|; 0 for two empty sets. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const token of small) if (large.has(token)) shared++;
  return shared / (a.size + b.size - shared);
}

export interface DuplicateCandidate {
  id: string;
  title: string;
  /** Published time, else collected time, in ms. */
  atMs: number;
}

export interface NewItemRef {
  id: string;
  title: string;
  atMs: number;
}

/**
 * For each new item, the stored candidate it near-duplicates (highest Jaccard, then the earliest),
 * if any. Candidates must already be from other sources and not themselves duplicates.
 */
export function matchNearDuplicates(items: readonly NewItemRef[], candidates: readonly DuplicateCandidate[]): Map<string, string> {
  const prepared = candidates
    .map((c) => ({ ...c, tokens: titleTokens(c.title) }))
    .filter((c) => c.tokens.size >= MIN_TOKENS)
    .sort((a, b) => a.atMs - b.atMs);
  const links = new Map<string, string>();
  for (const item of items) {
    const tokens = titleTokens(item.title);
    if (tokens.size < MIN_TOKENS) continue;
    let best: { id: string; score: number } | undefined;
    for (const c of prepared) {
      if (Math.abs(c.atMs - item.atMs) > NEAR_DUPLICATE_WINDOW_MS) continue;
      // Jaccard ≥ t needs the smaller set to be at least t × the larger: skip hopeless pairs cheaply.
      const [lo, hi] = tokens.size <= c.tokens.size ? [tokens.size, c.tokens.size] : [c.tokens.size, tokens.size];
      if (lo < NEAR_DUPLICATE_JACCARD * hi) continue;
      const score = jaccard(tokens, c.tokens);
      if (score >= NEAR_DUPLICATE_JACCARD && (!best || score > best.score)) best = { id: c.id, score };
    }
    if (best) links.set(item.id, best.id);
  }
  return links;
}

/**
 * Splits items (sorted by time) into groups whose candidate windows can be fetched with one range
 * query each: a backfill spanning months becomes several narrow queries instead of one huge one.
 */
export function timeGroups<T extends { atMs: number }>(items: readonly T[]): T[][] {
  const sorted = [...items].sort((a, b) => a.atMs - b.atMs);
  const groups: T[][] = [];
  for (const item of sorted) {
    const current = groups[groups.length - 1];
    const last = current?.[current.length - 1];
    if (current && last && item.atMs - last.atMs <= 2 * NEAR_DUPLICATE_WINDOW_MS) current.push(item);
    else groups.push([item]);
  }
  return groups;
}
