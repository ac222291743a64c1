/** Turns texts into unit-length vectors; one implementation per model family. */
export interface Embedder {
  /** Stable model id stored with every vector, e.g. `use-lite-512`. Vectors of different ids never mix. */
  readonly id: string;
  readonly dimensions: number;
  /** Embeds texts in order; callers never pass empty strings. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Releases threads or connections; optional because most embedders hold nothing that outlives the process. */
  close?(): Promise<void>;
}
