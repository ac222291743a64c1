import { detectAll, supportedLanguages, toISO2 } from 'tinyld';

/** Below this many letters a guess is noise ("Apple", "iOS 18"), so no language is recorded. */
const MIN_LETTERS = 10;
/** A best guess this sure and this far ahead of the runner-up, or far enough ahead at all, stands on its own. */
const CLEAR_ACCURACY = 0.1;
const CLEAR_LEAD = 1.5;
const DECISIVE_LEAD = 3;
const MIN_ACCURACY = 0.02;

// Constructed and classical languages tinyld knows (Klingon, Esperanto, Volapük, Latin) only ever
// win on short English headlines ("SQLite is not a toy database" → tlh), never on real news.
const EXCLUDED = new Set(['tlh', 'epo', 'vol', 'lat']);
const NATURAL = supportedLanguages.filter((l) => !EXCLUDED.has(l)).map((l) => toISO2(l));

/**
 * ISO 639-1 code of an item's language from its title and the start of its text, or null when it
 * cannot be told. Headlines are short, so tinyld is often unsure between close candidates; then the
 * source's `hint` (a feed's `<language>`, a page's `lang`, or the platform's language: HN is English)
 * decides if it is among the top candidates, and otherwise nothing is recorded rather than a guess.
 */
export function detectLanguage(title: string, text: string, hint?: string): string | null {
  const sample = `${title}. ${text.slice(0, 1000)}`.trim();
  const letters = sample.match(/\p{L}/gu)?.length ?? 0;
  if (letters < MIN_LETTERS) return null;
  const [best, second, third] = detectAll(sample, { only: NATURAL });
  if (!best || best.lang === '') return null;
  const lead = second ? best.accuracy / second.accuracy : Infinity;
  if ((best.accuracy >= CLEAR_ACCURACY && lead >= CLEAR_LEAD) || (best.accuracy >= MIN_ACCURACY && lead >= DECISIVE_LEAD)) return best.lang;
  const hinted = hint?.trim().toLowerCase().split(/[-_]/)[0];
  if (hinted && [best, second, third].some((c) => c?.lang === hinted)) return hinted;
  return null;
}
