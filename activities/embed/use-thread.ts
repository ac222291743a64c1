/**
 * Entry point of one embed thread (started by use-pool.ts): loads its own copy of the model once, says
 * `ready`, then runs the model on one batch of token ids per message (the pool tokenizes, so it can batch by
 * token count). TensorFlow.js runs single-threaded in Node, so threads are how the embed worker uses more
 * than one core.
 */
import { parentPort } from 'node:worker_threads';
import { loadUseModel, USE_DIMENSIONS, type UseModel } from './use-model';

/** Main thread → embed thread: one batch, its texts' token ids back to back and each text's token count. */
export interface ThreadRequest {
  id: number;
  tokens: Int32Array;
  lengths: Int32Array;
}

/** Embed thread → main thread: `vectors` holds the batch's vectors back to back, in request order. */
export type ThreadReply =
  | { kind: 'ready' }
  | { kind: 'load-failed'; error: string }
  | { kind: 'done'; id: number; vectors: Float32Array }
  | { kind: 'failed'; id: number; error: string };

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function serve(port: NonNullable<typeof parentPort>): Promise<void> {
  let model: UseModel;
  try {
    model = await loadUseModel();
  } catch (error) {
    port.postMessage({ kind: 'load-failed', error: message(error) } satisfies ThreadReply);
    return;
  }
  port.on('message', (request: ThreadRequest) => {
    const encodings: number[][] = [];
    let offset = 0;
    for (const length of request.lengths) {
      encodings.push(Array.from(request.tokens.subarray(offset, offset + length)));
      offset += length;
    }
    model.run(encodings).then(
      (vectors) => {
        const flat = new Float32Array(vectors.length * USE_DIMENSIONS);
        vectors.forEach((v, i) => flat.set(v, i * USE_DIMENSIONS));
        port.postMessage({ kind: 'done', id: request.id, vectors: flat } satisfies ThreadReply, [flat.buffer]);
      },
      (error: unknown) => port.postMessage({ kind: 'failed', id: request.id, error: message(error) } satisfies ThreadReply),
    );
  });
  port.postMessage({ kind: 'ready' } satisfies ThreadReply);
}

if (parentPort) {
  serve(parentPort).catch((error: unknown) => {
    parentPort?.postMessage({ kind: 'load-failed', error: message(error) } satisfies ThreadReply);
  });
}
