/**
 * The OpenAI-compatible embedder against a local HTTP server on 127.0.0.1 standing in for the remote API
 * (OpenAI, Ollama, vLLM, TEI): it replays response bodies and headers shaped like the real ones.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmbedderRequestError, EmbedderResponseError } from '../../../activities/embed/errors';
import { createOpenAiEmbedder, openAiModelId, type OpenAiEmbedderOptions } from '../../../activities/embed/openai-embedder';

const MODEL = 'text-embedding-3-small';

interface Received {
  url: string | undefined;
  authorization: string | undefined;
  body: { model: string; input: string[]; encoding_format?: string; dimensions?: number };
}
type Reply = (res: ServerResponse, request: Received) => void;

/** A deterministic vector per text, not unit length, so the test sees the embedder normalise it. */
function fakeVector(text: string, dims: number): number[] {
  return Array.from({ length: dims }, (_, d) => ((text.charCodeAt(d % text.length) + d) % 17) - 8 + 0.5);
}

/** Shaped like OpenAI's create-embedding response; `order` lets a reply list rows out of order. */
function embeddings(dims: number, order: 'in-order' | 'reversed' = 'in-order'): Reply {
  return (res, request) => {
    const data = request.body.input.map((text, index) => ({ object: 'embedding', index, embedding: fakeVector(text, dims) }));
    json(res, 200, {
      object: 'list',
      data: order === 'reversed' ? data.reverse() : data,
      model: request.body.model,
      usage: { prompt_tokens: 7 * request.body.input.length, total_tokens: 7 * request.body.input.length },
    });
  };
}

function apiError(status: number, message: string, code: string | null, headers: Record<string, string> = {}): Reply {
  return (res) => json(res, status, { error: { message, type: status === 429 ? 'requests' : 'invalid_request_error', param: null, code } }, headers);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_local_0001', ...headers }).end(JSON.stringify(body));
}

function unitLength(v: Float32Array): number {
  return Math.hypot(...v);
}

describe('OpenAI-compatible embedder (a local HTTP server stands in for the remote API)', () => {
  let server: Server;
  let baseUrl: string;
  let replies: Reply[];
  let received: Received[];
  let waits: number[];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        const request: Received = { url: req.url, authorization: req.headers.authorization, body: JSON.parse(raw) as Received['body'] };
        received.push(request);
        const reply = replies.shift();
        if (reply) reply(res, request);
        else json(res, 500, { error: { message: 'test server has no reply queued', type: 'server_error', param: null, code: null } });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    replies = [];
    received = [];
    waits = [];
  });

  const make = (options: Partial<OpenAiEmbedderOptions> = {}) =>
    createOpenAiEmbedder({
      baseUrl,
      model: MODEL,
      apiKey: 'sk-test',
      dimensions: 8,
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...options,
    });

  it('posts batches to /v1/embeddings and returns unit vectors in input order', async () => {
    replies.push(embeddings(8), embeddings(8, 'reversed'), embeddings(8));
    const embedder = await make({ batchSize: 2 });
    expect(embedder).toMatchObject({ id: 'openai:text-embedding-3-small@8', dimensions: 8 });
    const texts = ['Fed signals taper', 'eBay rejects Icahn', 'Apple earnings beat', 'Ebola outbreak', 'Mars rover'];
    const vectors = await embedder.embed(texts);
    expect(received.map((r) => r.body.input)).toEqual([texts.slice(0, 2), texts.slice(2, 4), texts.slice(4)]);
    expect(received[0]).toMatchObject({
      url: '/v1/embeddings',
      authorization: 'Bearer sk-test',
      body: { model: MODEL, encoding_format: 'float', dimensions: 8 },
    });
    vectors.forEach((v, i) => {
      expect(unitLength(v)).toBeCloseTo(1, 5);
      const expected = fakeVector(texts[i] as string, 8);
      const n = Math.hypot(...expected);
      expected.forEach((x, d) => expect(v[d]).toBeCloseTo(x / n, 5)); // the reversed reply was put back in order
    });
  });

  it('learns the dimension from one probe request when none is configured (e.g. Ollama)', async () => {
    replies.push(embeddings(5));
    const embedder = await make({ model: 'nomic-embed-text', dimensions: undefined });
    expect(embedder).toMatchObject({ id: 'openai:nomic-embed-text', dimensions: 5 });
    expect(received[0]?.body).not.toHaveProperty('dimensions');
  });

  it('waits as long as Retry-After asks on 429, then succeeds', async () => {
    const embedder = await make();
    replies.push(
      apiError(429, 'Rate limit reached for text-embedding-3-small on requests per min (RPM): Limit 3000.', 'rate_limit_exceeded', {
        'retry-after': '2',
      }),
      apiError(429, 'Rate limit reached', 'rate_limit_exceeded', { 'retry-after-ms': '350', 'retry-after': '1' }),
      embeddings(8),
    );
    const vectors = await embedder.embed(['Fed signals taper']);
    expect(vectors).toHaveLength(1);
    expect(waits).toEqual([2000, 350]); // retry-after-ms wins over retry-after
    expect(received).toHaveLength(3);
  });

  it('backs off exponentially on 5xx without Retry-After, and gives up after maxAttempts with a retryable error', async () => {
    const embedder = await make({ maxAttempts: 3 });
    replies.push(apiError(503, 'The server is overloaded', null), apiError(502, 'Bad gateway', null), apiError(500, 'Internal error', null));
    const error: unknown = await embedder.embed(['Fed signals taper']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderRequestError);
    expect(error).toMatchObject({ retryable: true, status: 500, attempts: 3, model: MODEL });
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(250);
    expect(waits[0]).toBeLessThanOrEqual(500);
    expect(waits[1]).toBeGreaterThanOrEqual(500);
    expect(waits[1]).toBeLessThanOrEqual(1000);
  });

  it.each([
    [400, "This model's maximum context length is 8192 tokens", 'context_length_exceeded'],
    [401, 'Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_api_key'],
    [404, 'The model `text-embedding-4` does not exist or you do not have access to it.', 'model_not_found'],
  ])('reports HTTP %i as a non-retryable EmbedderRequestError after one request', async (status, message, code) => {
    const embedder = await make();
    replies.push(apiError(status, message, code));
    const error: unknown = await embedder.embed(['Fed signals taper']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderRequestError);
    expect(error).toMatchObject({ retryable: false, status, attempts: 1 });
    expect((error as Error).message).toContain(message.slice(0, 30));
    expect(received).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('stops at once with a retryable error when Retry-After exceeds the longest wait it accepts', async () => {
    const embedder = await make({ maxRetryDelayMs: 5_000 });
    replies.push(apiError(429, 'You exceeded your current quota', 'insufficient_quota', { 'retry-after': '120' }));
    await expect(embedder.embed(['Fed'])).rejects.toMatchObject({ retryable: true, status: 429, attempts: 1 });
    expect(waits).toEqual([]);
  });

  it('rejects unusable 2xx answers as EmbedderResponseError: wrong count, wrong dimension, non-numbers', async () => {
    const embedder = await make();
    replies.push((res) => json(res, 200, { object: 'list', data: [], model: MODEL }));
    await expect(embedder.embed(['a', 'b'])).rejects.toBeInstanceOf(EmbedderResponseError);
    replies.push(embeddings(7));
    await expect(embedder.embed(['a'])).rejects.toThrow(/expected 8 dimensions, got 7/);
    replies.push((res) => json(res, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: ['x'] }], model: MODEL }));
    await expect(embedder.embed(['a'])).rejects.toBeInstanceOf(EmbedderResponseError);
  });

  it('treats a refused connection as retryable and refuses empty texts before any request', async () => {
    const embedder = await createOpenAiEmbedder({
      baseUrl: 'http://127.0.0.1:1/v1',
      model: MODEL,
      dimensions: 8,
      maxAttempts: 2,
      sleep: async () => undefined,
    });
    await expect(embedder.embed(['Fed'])).rejects.toMatchObject({ retryable: true, status: undefined, attempts: 2 });
    await expect(embedder.embed(['Fed', ' '])).rejects.toThrow(TypeError);
  });
});

describe('openAiModelId', () => {
  it('prefixes and sanitises the model name, and adds a requested dimension', () => {
    expect(openAiModelId('text-embedding-3-small')).toBe('openai:text-embedding-3-small');
    expect(openAiModelId('BAAI/bge-small-en-v1.5')).toBe('openai:baai-bge-small-en-v1.5');
    expect(openAiModelId('nomic-embed-text:latest', 256)).toBe('openai:nomic-embed-text-latest@256');
    expect(() => openAiModelId(' / ')).toThrow(TypeError);
  });
});
