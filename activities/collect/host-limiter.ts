import Bottleneck from 'bottleneck';

/** How hard one host may be hit from this process. */
export interface HostPolicy {
  /** Smallest gap between two request starts, in ms (1000 / requests per second). */
  minTimeMs: number;
  /** Requests in flight at once. */
  maxConcurrent: number;
}

/**
 * Hosts whose published limits differ from the default. Reddit allows ~10 unauthenticated requests a
 * minute, arXiv asks for one request every 3 s, GitHub search allows 10 a minute without a token;
 * the HN Firebase API has no published limit and one run fetches hundreds of tiny item documents.
 */
export const KNOWN_HOST_POLICIES: Readonly<Record<string, HostPolicy>> = {
  'hacker-news.firebaseio.com': { minTimeMs: 50, maxConcurrent: 8 },
  'hn.algolia.com': { minTimeMs: 500, maxConcurrent: 1 },
  'www.reddit.com': { minTimeMs: 6000, maxConcurrent: 1 },
  'api.github.com': { minTimeMs: 2000, maxConcurrent: 1 },
  'export.arxiv.org': { minTimeMs: 3000, maxConcurrent: 1 },
};

export const DEFAULT_HOST_POLICY: HostPolicy = { minTimeMs: 1000, maxConcurrent: 2 };

/**
 * One Bottleneck limiter per host for the whole process, so every source (and every concurrent
 * activity on a worker) that reads the same host shares one budget. Hosts that answered 429/503 with
 * Retry-After are remembered, so other sources stop asking them until that time instead of piling on.
 */
export class HostLimiters {
  private readonly limiters = new Map<string, Bottleneck>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly defaultPolicy: HostPolicy = DEFAULT_HOST_POLICY,
    private readonly policies: Readonly<Record<string, HostPolicy>> = KNOWN_HOST_POLICIES,
  ) {}

  /** The policy for a URL's host: an exact `host:port` entry, else the hostname's, else the default. */
  policyFor(url: URL): HostPolicy {
    return this.policies[url.host] ?? this.policies[url.hostname] ?? this.defaultPolicy;
  }

  /** Runs `job` when the host's budget allows; jobs for one host start in the order they were scheduled. */
  schedule<T>(url: URL, job: () => Promise<T>): Promise<T> {
    let limiter = this.limiters.get(url.host);
    if (!limiter) {
      const policy = this.policyFor(url);
      limiter = new Bottleneck({ maxConcurrent: policy.maxConcurrent, minTime: policy.minTimeMs });
      this.limiters.set(url.host, limiter);
    }
    return limiter.schedule(job);
  }

  /** Milliseconds the host asked us to stay away for, or 0. */
  blockedFor(url: URL, now = Date.now()): number {
    const until = this.blockedUntil.get(url.host);
    if (until === undefined) return 0;
    if (until <= now) {
      this.blockedUntil.delete(url.host);
      return 0;
    }
    return until - now;
  }

  block(url: URL, ms: number, now = Date.now()): void {
    const until = now + ms;
    if (until > (this.blockedUntil.get(url.host) ?? 0)) this.blockedUntil.set(url.host, until);
  }

  /** Drops queued jobs and timers (tests, shutdown). */
  async stop(): Promise<void> {
    await Promise.all([...this.limiters.values()].map((l) => l.stop({ dropWaitingJobs: true })));
    this.limiters.clear();
  }
}
