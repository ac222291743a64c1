import type { Validators } from './http';

/**
 * A source's high-water mark as stored in `sources.cursor` (jsonb). Each source reads only the keys
 * it wrote; anything unexpected (an older shape, a hand edit) reads as "no cursor" rather than failing.
 *
 * Common keys: `etag`/`lastModified` (conditional GET), `seen` (ids or URLs already collected, newest
 * last, capped), `newest` (ISO time or number of the newest item seen).
 */
export type SourceCursor = Record<string, unknown>;

/** How many seen keys a cursor keeps: several times a feed's or listing's length, small as jsonb. */
export const MAX_SEEN = 2000;

/** The ids/URLs a source has already collected; insertion-ordered so the oldest drop out first. */
export class SeenSet {
  private readonly keys: Set<string>;

  constructor(initial: readonly string[] = [], private readonly max = MAX_SEEN) {
    this.keys = new Set(initial.slice(-max));
  }

  static from(cursor: SourceCursor | undefined, max = MAX_SEEN): SeenSet {
    const seen = cursor?.['seen'];
    return new SeenSet(Array.isArray(seen) ? seen.filter((k): k is string => typeof k === 'string') : [], max);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  get size(): number {
    return this.keys.size;
  }

  add(key: string): void {
    this.keys.delete(key); // re-adding moves it to the newest end
    this.keys.add(key);
    if (this.keys.size > this.max) {
      const oldest = this.keys.values().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
  }

  toJSON(): string[] {
    return [...this.keys];
  }
}

/** Conditional-GET validators stored in a cursor. */
export function validatorsFrom(cursor: SourceCursor | undefined): Validators {
  const etag = cursor?.['etag'];
  const lastModified = cursor?.['lastModified'];
  return {
    ...(typeof etag === 'string' && etag !== '' && { etag }),
    ...(typeof lastModified === 'string' && lastModified !== '' && { lastModified }),
  };
}

/** A numeric cursor field, or undefined. */
export function cursorNumber(cursor: SourceCursor | undefined, key: string): number | undefined {
  const value = cursor?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A cursor field holding an ISO time, or undefined. */
export function cursorDate(cursor: SourceCursor | undefined, key: string): Date | undefined {
  const value = cursor?.[key];
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
