import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { LlmRequestError, LlmResponseError } from '../../../activities/summarize/errors';
import { createLlmSummarizer, PROMPT_VERSION } from '../../../activities/summarize/llm';
import type { TrendForSummary } from '../../../activities/summarize/types';
import fixture from '../../fixtures/trend-headlines.json';

const trend: TrendForSummary = { keywords: fixture.keywords, items: fixture.items };
const MODEL = 'local-test-model';

interface ReceivedRequest {
  method: string | undefined;
  url: string | undefined;
  authorization: string | undefined;
  body: {
    model: string;
    messages: Array<{ role: string; content: string }>;
    response_format?: { type: string };
  };
}
type Reply = (res: ServerResponse) => void;

/** Shaped like an OpenAI chat.completion body, which is what Ollama, vLLM and llama.cpp also return. */
function completion(message: { content: string | null; refusal?: string | null }, finishReason = 'stop'): Reply {
  return (res) =>
    json(res, 200, {
      id: 'chatcmpl-local-0001',
      object: 'chat.completion',
      created: 1_710_000_000,
      model: MODEL,
      system_fingerprint: 'fp_local',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: message.content, refusal: message.refusal ?? null },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage: { prompt_tokens: 412, completion_tokens: 118, total_tokens: 530 },
    });
}

function apiError(status: number, message: string, type: string, headers: Record<string, string> = {}): Reply {
  return (res) => json(res, status, { error: { message, type, param: null, code: null } }, headers);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

const validSummary = {
  title: 'Google pays $15 per referred Google Apps customer',
  summary:
    'Google launched a referral program that pays $15 for each new Google Apps for Business user. ' +
    'The move courts small businesses away from Microsoft Office.',
  keyPoints: ['$15 per referred user', 'Open to existing Google Apps customers', ' '],
  entities: ['Google', 'Google Apps for Business', 'Microsoft Office', 'Google'],
};

describe('LLM summarizer (local OpenAI-compatible server stands in for the remote API)', () => {
  let server: Server;
  let baseUrl: string;
  let reply: Reply = completion({ content: JSON.stringify(validSummary) });
  const received: ReceivedRequest[] = [];
  // Requests the "hanging" server never answers; ended after each test so nothing stays open.
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({
          method: req.method,
          url: req.url,
          authorization: req.headers.authorization,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedRequest['body'],
        });
        if (req.method === 'POST' && req.url === '/v1/chat/completions') reply(res);
        else apiError(404, `no route ${req.method} ${req.url}`, 'invalid_request_error')(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  afterEach(() => {
    for (const res of held.splice(0)) res.destroy();
    received.length = 0;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  });

  const summarizer = (timeoutMs = 5_000) => createLlmSummarizer({ baseUrl, model: MODEL, apiKey: 'test-key', timeoutMs });

  it('sends the keywords and the most central headlines, and returns the validated summary', async () => {
    reply = completion({ content: JSON.stringify(validSummary) });
    const llm = summarizer();
    const summary = await llm.summarize(trend);

    expect(llm.id).toBe(`llm:${MODEL}`);
    expect(summary).toEqual({
      title: validSummary.title,
      summary: validSummary.summary,
      keyPoints: ['$15 per referred user', 'Open to existing Google Apps customers'],
      entities: ['Google', 'Google Apps for Business', 'Microsoft Office'],
      method: 'llm',
      model: MODEL,
      promptVersion: PROMPT_VERSION,
      tokens: { prompt: 412, completion: 118 },
    });

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request).toMatchObject({ method: 'POST', url: '/v1/chat/completions', authorization: 'Bearer test-key' });
    expect(request?.body.model).toBe(MODEL);
    expect(request?.body.response_format).toEqual({ type: 'json_object' });
    expect(request?.body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(request?.body.messages[0]?.content).toContain('JSON');
    const user = request?.body.messages[1]?.content ?? '';
    expect(user).toContain('Keywords: google, referral, apps, 15, program, business, users');
    expect(user).toContain('15 items');
    // Default maxItems is 12: the first twelve headlines go out numbered, the rest stay home.
    const sent = (title: string) => title.replace(/\s+/g, ' ');
    trend.items.slice(0, 12).forEach((item, i) => expect(user).toContain(`${i + 1}. ${sent(item.title)} — ${item.source}`));
    expect(user).not.toMatch(/^13\. /m);
    for (const item of trend.items.slice(12)) expect(user).not.toContain(`. ${sent(item.title)} —`);
  });

  it('accepts JSON wrapped in ```json fences with chatter around it', async () => {
    reply = completion({ content: `Here is the summary:\n\`\`\`json\n${JSON.stringify(validSummary, null, 2)}\n\`\`\`\n` });
    const summary = await summarizer().summarize(trend);
    expect(summary.title).toBe(validSummary.title);
  });

  it('rejects malformed JSON with a response error carrying a snippet', async () => {
    reply = completion({ content: '{"title": "Google referral program", "summary": "Google pays $15' }, 'length');
    const error = await summarizer().summarize(trend).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmResponseError);
    expect(error).toMatchObject({ model: MODEL, snippet: expect.stringContaining('Google referral program') });
  });

  it('rejects JSON that parses but lacks a summary', async () => {
    reply = completion({ content: JSON.stringify({ title: 'Google referral', summary: '  ', keyPoints: [] }) });
    await expect(summarizer().summarize(trend)).rejects.toThrow(/summary/);
  });

  it('treats a refusal as a response error', async () => {
    reply = completion({ content: null, refusal: "I'm sorry, but I can't help with that request." });
    const error = await summarizer().summarize(trend).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmResponseError);
    expect(error).toMatchObject({ snippet: expect.stringContaining("can't help") });
  });

  it('maps 429 to a retryable request error with the server retry hint', async () => {
    reply = apiError(429, 'Rate limit reached for requests', 'requests', { 'retry-after': '2' });
    const error = await summarizer().summarize(trend).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmRequestError);
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfterMs: 2000, model: MODEL });
    // maxRetries 0: the client made exactly one attempt and left retrying to Temporal.
    expect(received).toHaveLength(1);
  });

  it('maps 503 to a retryable request error', async () => {
    reply = apiError(503, 'The server is overloaded', 'server_error');
    await expect(summarizer().summarize(trend)).rejects.toMatchObject({ status: 503, retryable: true });
  });

  it('maps 400 to a non-retryable request error', async () => {
    reply = apiError(400, "Invalid value for 'response_format'", 'invalid_request_error');
    const error = await summarizer().summarize(trend).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmRequestError);
    expect(error).toMatchObject({ status: 400, retryable: false });
  });

  it('maps a server that never answers to a retryable timeout', async () => {
    reply = (res) => held.push(res);
    const error = await summarizer(200).summarize(trend).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmRequestError);
    expect(error).toMatchObject({ status: undefined, retryable: true });
  });

  it('maps a refused connection to a retryable request error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const llm = createLlmSummarizer({ baseUrl: `http://127.0.0.1:${port}/v1`, model: MODEL, timeoutMs: 2_000 });
    await expect(llm.summarize(trend)).rejects.toMatchObject({ name: 'LlmRequestError', retryable: true });
  });

  it('gives cancellation back as the abort reason rather than a request error', async () => {
    reply = (res) => held.push(res);
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    const pending = summarizer().summarize(trend, controller.signal);
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });

  it('honours maxItems', async () => {
    reply = completion({ content: JSON.stringify(validSummary) });
    await createLlmSummarizer({ baseUrl, model: MODEL, maxItems: 3 }).summarize(trend);
    const user = received[0]?.body.messages[1]?.content ?? '';
    expect(user).toContain(`3. ${trend.items[2]?.title}`);
    expect(user).not.toMatch(/^4\. /m);
  });
});
