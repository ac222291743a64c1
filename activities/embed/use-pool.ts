import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EmbedderThreadError } from './errors';
import { lengthSortedBatches, loadUseTokenizer, USE_DIMENSIONS } from './use-model';
import type { ThreadReply, ThreadRequest } from './use-thread';

/** Options for createUseThreadPool. */
export interface UseThreadPoolOptions {
  /** Threads, each with its own model copy (~100 MB). */
  threads: number;
  /** Texts per model call inside a thread. */
  batchSize: number;
}

/** Embeds across threads; close() ends them. */
export interface UseThreadPool {
  embed(texts: string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

interface Job {
  id: number;
  encodings: number[][];
  resolve(vectors: Float32Array): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  job?: Job;
}

/**
 * Running from compiled code the thread is the sibling use-thread.js. Running from sources (ts-jest, no build)
 * there is no .js, so the thread registers a loader that transpiles .ts with the TypeScript compiler (a dev
 * dependency, present exactly when sources are run) and then runs the same use-thread.ts.
 */
const TS_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const ts = require(workerData.typescript);
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  module._compile(ts.transpileModule(source, { fileName: filename, compilerOptions: options }).outputText, filename);
};
require(workerData.entry);
`;

function spawn(): Worker {
  const compiled = path.join(__dirname, 'use-thread.js');
  if (existsSync(compiled)) return new Worker(compiled);
  return new Worker(TS_BOOTSTRAP, {
    eval: true,
    workerData: { entry: path.join(__dirname, 'use-thread.ts'), typescript: require.resolve('typescript') },
  });
}

/** Starts `threads` embed threads and resolves once every one has loaded the model (or rejects if one cannot). */
export async function createUseThreadPool(options: UseThreadPoolOptions): Promise<UseThreadPool> {
  const { threads: size, batchSize } = options;
  if (!Number.isInteger(size) || size < 1) throw new TypeError(`threads must be a positive integer, got ${size}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError(`batchSize must be a positive integer, got ${batchSize}`);
  const queue: Job[] = [];
  const threads: Thread[] = [];
  let nextId = 0;
  let closed = false;

  function dispatch(): void {
    for (const thread of threads) {
      if (thread.job) continue;
      const job = queue.shift();
      if (!job) return;
      thread.job = job;
      thread.worker.ref(); // hold the process open while a result is owed
      const lengths = Int32Array.from(job.encodings, (e) => e.length);
      const tokens = Int32Array.from(job.encodings.flat());
      const request: ThreadRequest = { id: job.id, tokens, lengths };
      thread.worker.postMessage(request, [tokens.buffer, lengths.buffer]);
    }
  }

  function settle(thread: Thread): Job | undefined {
    const job = thread.job;
    thread.job = undefined;
    thread.worker.unref(); // an idle pool never keeps a finished process alive
    return job;
  }

  /** Starts a thread; the promise settles when its model is loaded. Replaces itself if it dies later. */
  function start(): Promise<void> {
    const thread: Thread = { worker: spawn() };
    const threadId = thread.worker.threadId; // reads -1 once the thread has exited
    threads.push(thread);
    return new Promise<void>((ready, failed) => {
      let loaded = false;
      thread.worker.on('message', (reply: ThreadReply) => {
        if (reply.kind === 'ready') {
          loaded = true;
          thread.worker.unref(); // idle from now on; ref'd again while it owes a result
          ready();
          dispatch();
        } else if (reply.kind === 'load-failed') {
          failed(new EmbedderThreadError(`embed thread could not load the model: ${reply.error}`, threadId));
        } else {
          const job = settle(thread);
          if (reply.kind === 'done') job?.resolve(reply.vectors);
          else job?.reject(new Error(reply.error));
          dispatch();
        }
      });
      const died = (error: Error | undefined, code?: number) => {
        const index = threads.indexOf(thread);
        if (index < 0) return; // already handled (error is followed by exit)
        threads.splice(index, 1);
        const why = error ? error.message : `exited with code ${code}`;
        const failure = new EmbedderThreadError(`embed thread ${threadId} ${why}`, threadId, { cause: error });
        settle(thread)?.reject(failure);
        if (!loaded) failed(failure);
        // One bad batch (or an OOM) must not shrink the pool for good; the replacement picks up the queue.
        else if (!closed) start().catch((e: Error) => drain(e));
      };
      thread.worker.on('error', (error) => died(error));
      // Stays ref'd while loading, so a caller awaiting the pool (a CLI, a bench) is not left with an empty event loop.
      thread.worker.on('exit', (code) => died(undefined, code));
    });
  }

  function drain(error: Error): void {
    for (const job of queue.splice(0)) job.reject(error);
  }

  async function close(): Promise<void> {
    closed = true;
    const error = new EmbedderThreadError('embedder closed', -1);
    drain(error);
    const stopping = threads.splice(0); // removed first, so their exit is not mistaken for a crash to replace
    for (const t of stopping) settle(t)?.reject(error);
    await Promise.all(stopping.map((t) => t.worker.terminate()));
  }

  let encode: (text: string) => number[];
  try {
    [encode] = await Promise.all([loadUseTokenizer(), ...Array.from({ length: size }, () => start())]);
  } catch (error) {
    await close();
    throw error;
  }

  return {
    async embed(texts) {
      if (closed) throw new EmbedderThreadError('embedder closed', -1);
      if (texts.some((t) => t.trim() === '')) throw new TypeError('Embedder.embed was given an empty text');
      // Tokenized here (~0.07 ms a headline, a few % of the model's time) so batches can be sorted by token
      // count and pad little; threads take jobs as they free up, which balances long and short ones.
      const encodings = texts.map((t) => encode(t));
      const batches = lengthSortedBatches(encodings.map((e) => e.length), batchSize);
      const out = new Array<Float32Array>(texts.length);
      const done = batches.map(
        (batch) =>
          new Promise<void>((resolve, reject) => {
            queue.push({
              id: nextId++,
              encodings: batch.map((i) => encodings[i] as number[]),
              resolve: (flat) => {
                batch.forEach((i, k) => (out[i] = flat.slice(k * USE_DIMENSIONS, (k + 1) * USE_DIMENSIONS)));
                resolve();
              },
              reject,
            });
          }),
      );
      dispatch();
      await Promise.all(done);
      return out;
    },
    close,
  };
}
