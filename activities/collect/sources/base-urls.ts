/**
 * Where each named connector's API or feeds live. Overridable per deployment (COLLECT_BASE_URLS: a
 * mirror, a proxy, GitHub Enterprise, or a local replay server in tests), never per spec: a spec must
 * not be able to send a configured token (GITHUB_TOKEN) to a host of its choosing.
 */
export const DEFAULT_BASE_URLS = {
  hn: 'https://hacker-news.firebaseio.com/v0',
  'hn-search': 'https://hn.algolia.com/api/v1',
  reddit: 'https://www.reddit.com',
  github: 'https://api.github.com',
  youtube: 'https://www.youtube.com',
  medium: 'https://medium.com',
  devto: 'https://dev.to',
  producthunt: 'https://www.producthunt.com',
  arxiv: 'https://export.arxiv.org',
  lobsters: 'https://lobste.rs',
} as const;

export type BaseUrlName = keyof typeof DEFAULT_BASE_URLS;
export type BaseUrls = Record<BaseUrlName, string>;

/** A path on a connector's base URL, resolved when the source is built (so overrides apply). */
export interface Endpoint {
  base: BaseUrlName;
  /** Starts with `/`; may carry a query string. */
  path: string;
}

/** Defaults with overrides applied; an unknown name or a non-http(s) URL is a configuration error (TypeError). */
export function resolveBaseUrls(overrides: Readonly<Record<string, string | undefined>> = {}): BaseUrls {
  const result: BaseUrls = { ...DEFAULT_BASE_URLS };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!isBaseUrlName(name)) {
      throw new TypeError(`unknown base URL name "${name}"; known: ${Object.keys(DEFAULT_BASE_URLS).join(', ')}`);
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new TypeError(`base URL for ${name} is not an absolute URL: ${JSON.stringify(value)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`base URL for ${name} must be http(s): ${value}`);
    result[name] = value.replace(/\/+$/, '');
  }
  return result;
}

/** The absolute URL of an endpoint under the given base URLs. */
export function endpointUrl(baseUrls: BaseUrls, endpoint: Endpoint): string {
  return `${baseUrls[endpoint.base]}${endpoint.path}`;
}

function isBaseUrlName(name: string): name is BaseUrlName {
  return Object.hasOwn(DEFAULT_BASE_URLS, name);
}
