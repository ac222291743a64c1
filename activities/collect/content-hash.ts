import { createHash } from 'node:crypto';

/** Normalises text for hashing so that case, Unicode compatibility forms and spacing never change the hash. */
function normaliseForHash(value: string): string {
  return value.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * Content fingerprint of an item: sha256 (hex) of normalised title + "\n" + normalised text.
 * Catches the same story syndicated under different URLs; stable across runs and machines.
 */
export function contentHash(input: { title: string; text?: string | null }): string {
  const payload = `${normaliseForHash(input.title)}\n${normaliseForHash(input.text ?? '')}`;
  return createHash('sha256').update(payload, 'utf8').digest('hex');
}
