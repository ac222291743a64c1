import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A port nothing listens on right now (for the SDK core exporter, which needs a concrete address). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface MetricsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Other Prometheus text endpoints merged into the answer (the Temporal SDK core exporter). */
  upstream?: string[];
  upstreamTimeoutMs?: number;
}

export interface RunningMetricsServer {
  url: string;
  close(): Promise<void>;
}

async function scrape(url: string, timeoutMs: number): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return `# ${url} answered ${res.status}\n`;
    return await res.text();
  } catch (err) {
    return `# ${url} unavailable: ${err instanceof Error ? err.message : String(err)}\n`;
  }
}

/**
 * One /metrics endpoint per worker process: its prom-client registry (pipeline, stores, process) and,
 * appended, the Temporal SDK core metrics scraped from the core exporter's internal address. The two
 * never share a name (trendflow_* vs temporal_*), so the concatenation is valid exposition text.
 */
export async function startMetricsServer(o: MetricsServerOptions): Promise<RunningMetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at /metrics\n');
      return;
    }
    void (async () => {
      const parts = await Promise.all([o.registry.metrics(), ...(o.upstream ?? []).map((u) => scrape(u, o.upstreamTimeoutMs ?? 2000))]);
      res.writeHead(200, { 'content-type': o.registry.contentType }).end(parts.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join(''));
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
