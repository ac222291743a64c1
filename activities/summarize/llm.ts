import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { z } from 'zod';

import { LlmRequestError, LlmResponseError, SummarizeError } from './errors';
import type { Summarizer, TrendForSummary, TrendSummary } from './types';

/** Stored with every summary; bump it whenever the prompt or the expected JSON changes. */
export const PROMPT_VERSION = 'trend-summary-v1';

export interface LlmSummarizerOptions {
  /** OpenAI-compatible endpoint including the version path, e.g. `http://localhost:11434/v1`. */
  baseUrl: string;
  model: string;
  /** Local servers (Ollama, vLLM, llama.cpp) ignore it; hosted APIs need it. */
  apiKey?: string;
  /** Per request. Default 60 s. */
  timeoutMs?: number;
  /** Most central headlines sent to the model. Default 12. */
  maxItems?: number;
  /** Client-side retries. Default 0: under Temporal the activity's retry policy owns retrying. */
  maxRetries?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_ITEMS = 12;
const MAX_TITLE_CHARS = 200;
const MAX_TEXT_CHARS = 240;
const SNIPPET_CHARS = 200;

const SYSTEM_PROMPT = [
  'You summarize one news trend: a cluster of headlines about the same story.',
  'Answer with a single JSON object and nothing else, in this shape:',
  '{"title": string, "summary": string, "keyPoints": string[], "entities": string[]}',
  '- title: a neutral headline of at most 12 words.',
  '- summary: 2 to 4 plain sentences saying what happened and why it matters.',
  '- keyPoints: 3 to 5 short, distinct facts.',
  '- entities: named people, organisations, places and products involved.',
  'Use only what the headlines say; do not invent numbers, dates or quotes.',
].join('\n');

/** Lenient on list contents (models pad with blanks), strict on the two fields a summary cannot lack. */
const responseSchema = z.object({
  title: z.string().trim().min(1),
  summary: z.string().trim().min(1),
  keyPoints: z
    .array(z.string())
    .default([])
    .transform((xs) => xs.map((x) => x.trim()).filter((x) => x !== '')),
  entities: z
    .array(z.string())
    .default([])
    .transform((xs) => [...new Set(xs.map((x) => x.trim()).filter((x) => x !== ''))]),
});

/** Builds a summarizer that asks an OpenAI-compatible chat model for a JSON summary. */
export function createLlmSummarizer(options: LlmSummarizerOptions): Summarizer {
  const { model } = options;
  const maxItems = options.maxItems ?? DEFAULT_MAX_ITEMS;
  if (!Number.isInteger(maxItems) || maxItems < 1) throw new TypeError(`maxItems must be a positive integer, got ${maxItems}`);

  const client = new OpenAI({
    baseURL: options.baseUrl,
    // The SDK refuses to start without a key and would otherwise read OPENAI_API_KEY itself; config owns env.
    apiKey: options.apiKey ?? 'unused',
    organization: null,
    project: null,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    // No retries in the client: Temporal retries the whole activity with backoff and records each attempt,
    // and stacking two retry layers would multiply the worst-case latency against the activity timeout.
    maxRetries: options.maxRetries ?? 0,
  });

  return {
    id: `llm:${model}`,
    model,
    promptVersion: PROMPT_VERSION,
    usesTokens: true,
    async summarize(trend: TrendForSummary, signal?: AbortSignal): Promise<TrendSummary> {
      if (trend.items.length === 0) throw new SummarizeError('cannot summarize a trend with no items');

      const userPrompt = buildUserPrompt(trend, maxItems);
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await client.chat.completions.create(
          {
            model,
            messages: [
              { role: 'system', content: SYSTEM_PROMPT },
              { role: 'user', content: userPrompt },
            ],
            response_format: { type: 'json_object' },
            // No temperature or token cap: several current models reject them, and the timeout bounds the call.
          },
          { signal },
        );
      } catch (err) {
        throw toRequestError(err, model, signal);
      }

      const choice = completion.choices[0];
      const message = choice?.message;
      if (!message) throw new LlmResponseError('response has no choices', model, '');
      if (message.refusal) throw new LlmResponseError('model refused', model, snip(message.refusal));
      if (choice.finish_reason === 'content_filter') {
        throw new LlmResponseError('response blocked by content filter', model, snip(message.content ?? ''));
      }
      // A reply cut off at the token limit fails to parse and surfaces as a response error here.
      const parsed = parseSummaryJson(message.content ?? '', model);

      // Servers that report no usage (some local ones) still count against the budget, at ~4 characters a token.
      const usage = completion.usage ?? {
        prompt_tokens: Math.ceil((SYSTEM_PROMPT.length + userPrompt.length) / 4),
        completion_tokens: Math.ceil((message.content ?? '').length / 4),
      };
      return {
        title: parsed.title,
        summary: parsed.summary,
        keyPoints: parsed.keyPoints,
        entities: parsed.entities,
        method: 'llm',
        model,
        promptVersion: PROMPT_VERSION,
        tokens: { prompt: usage.prompt_tokens, completion: usage.completion_tokens },
      };
    },
  };
}

/** Numbered headlines, most central first, with a short text excerpt where the source provided one. */
function buildUserPrompt(trend: TrendForSummary, maxItems: number): string {
  const shown = trend.items.slice(0, maxItems);
  const sources = new Set(trend.items.map((item) => item.source.trim().toLowerCase()));
  const lines = shown.map((item, i) => {
    const head = `${i + 1}. ${truncate(oneLine(item.title), MAX_TITLE_CHARS)} — ${oneLine(item.source)}`;
    const text = item.text ? truncate(oneLine(item.text), MAX_TEXT_CHARS) : '';
    return text ? `${head}\n   ${text}` : head;
  });
  return [
    `Keywords: ${trend.keywords.join(', ') || '(none)'}`,
    `The trend has ${trend.totals?.items ?? trend.items.length} items from ${trend.totals?.sources ?? sources.size} sources; the ${shown.length} most central follow.`,
    '',
    ...lines,
    '',
    'Return the JSON object now.',
  ].join('\n');
}

/** Accepts bare JSON, JSON in ``` fences, or JSON with chatter around it; anything else is a response error. */
function parseSummaryJson(content: string, model: string): z.infer<typeof responseSchema> {
  const unfenced = content.replace(/```(?:json)?/gi, '');
  const block = firstJsonObject(unfenced);
  if (block === undefined) throw new LlmResponseError('response contains no JSON object', model, snip(content));
  let value: unknown;
  try {
    value = JSON.parse(block);
  } catch (err) {
    throw new LlmResponseError('response JSON does not parse', model, snip(content), { cause: err });
  }
  const result = responseSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new LlmResponseError(`response JSON does not match the summary schema: ${issues}`, model, snip(content));
  }
  return result.data;
}

/** The first balanced {...} span, skipping braces inside strings; undefined when none closes. */
function firstJsonObject(text: string): string | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

function toRequestError(err: unknown, model: string, signal: AbortSignal | undefined): unknown {
  // Cancellation is the caller's decision, not a failed request: hand back its own reason (Temporal's CancelledFailure).
  if (err instanceof APIUserAbortError) return signal?.reason ?? err;
  // Timeouts are a subclass of connection errors; both mean no response arrived, so another attempt may succeed.
  if (err instanceof APIConnectionError) {
    return new LlmRequestError(`request to ${model} failed: ${err.message}`, model, true, undefined, undefined, { cause: err });
  }
  if (err instanceof APIError) {
    const status = err.status;
    const retryable = status === undefined || status === 408 || status === 429 || status >= 500;
    return new LlmRequestError(
      `request to ${model} failed with HTTP ${status ?? '?'}: ${err.message}`,
      model,
      retryable,
      status,
      retryAfterMs(err.headers),
      { cause: err },
    );
  }
  return err;
}

/** Reads `retry-after-ms` (OpenAI) or `retry-after` in seconds or as an HTTP date. */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers?.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

function snip(text: string): string {
  return truncate(text, SNIPPET_CHARS);
}
