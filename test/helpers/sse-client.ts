/** One parsed server-sent event, with when it arrived. */
export interface SseMessage {
  id: string;
  event: string;
  data: { id: string; type: string; runId: string | null; createdAt: string; data: Record<string, unknown> };
  at: number;
}

/**
 * A minimal EventSource over fetch (Node 20 has none): parses `id:`, `event:` and `data:` lines and
 * keeps every message; `waitFor` resolves once a predicate over the messages holds.
 */
export function openSse(url: string, headers: Record<string, string> = {}) {
  const messages: SseMessage[] = [];
  const controller = new AbortController();
  const waiters = new Set<() => void>();
  let status = 0;
  let ended = false;
  const ready = fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal }).then(async (res) => {
    status = res.status;
    if (!res.ok || !res.body) {
      ended = true;
      return;
    }
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const fields: Record<string, string> = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':') || !line.includes(':')) continue;
              const k = line.slice(0, line.indexOf(':'));
              fields[k] = (fields[k] ? `${fields[k]}\n` : '') + line.slice(line.indexOf(':') + 1).replace(/^ /, '');
            }
            if (fields.data !== undefined && fields.event) {
              messages.push({ id: fields.id ?? '', event: fields.event, data: JSON.parse(fields.data) as SseMessage['data'], at: Date.now() });
              for (const w of waiters) w();
            }
          }
        }
      } catch {
        // aborted by close()
      } finally {
        ended = true;
        for (const w of waiters) w();
      }
    })();
  });
  return {
    messages,
    ready,
    status: () => status,
    ended: () => ended,
    async waitFor(what: string, predicate: (m: SseMessage[]) => boolean, timeoutMs = 60_000): Promise<void> {
      await ready;
      if (predicate(messages)) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SSE: timed out after ${timeoutMs} ms waiting for ${what}; got ${messages.map((m) => `${m.id}:${m.event}`).join(', ')}`));
        }, timeoutMs);
        const check = () => {
          if (predicate(messages) || ended) {
            clearTimeout(timer);
            waiters.delete(check);
            if (predicate(messages)) resolve();
            else reject(new Error(`SSE stream ended while waiting for ${what}`));
          }
        };
        waiters.add(check);
      });
    },
    close: () => controller.abort(),
  };
}
