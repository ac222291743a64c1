import { resolve } from 'node:path';
import { SourceSpecError } from '../../../activities/collect/errors';
import { parseSourceSpec, type FileSourceConfig } from '../../../activities/collect/sources/spec';
import { SOURCE_KINDS } from '../../../activities/collect/sources';

function fileConfig(spec: string): FileSourceConfig {
  const config = parseSourceSpec(spec);
  if (config.kind !== 'csv' && config.kind !== 'jsonl') throw new Error(`expected a file spec, got ${config.kind}`);
  return config;
}

function specError(spec: string): SourceSpecError {
  try {
    parseSourceSpec(spec);
  } catch (err) {
    if (err instanceof SourceSpecError) return err;
    throw err;
  }
  throw new Error(`expected "${spec}" to be rejected`);
}

describe('parseSourceSpec', () => {
  it('lists the supported kinds', () => {
    expect(SOURCE_KINDS).toEqual([
      'csv', 'jsonl', 'rss', 'atom', 'hn', 'reddit', 'github', 'youtube', 'medium', 'devto', 'producthunt', 'arxiv', 'lobsters', 'web', 'sitemap',
    ]);
  });

  it('defaults a csv spec to the dev-data columns and resolves relative paths against cwd', () => {
    const config = fileConfig('csv:data/news-stories-dev.csv');
    expect(config).toEqual({
      kind: 'csv',
      path: resolve(process.cwd(), 'data/news-stories-dev.csv'),
      mapping: {
        title: { name: 'TITLE', required: true },
        url: { name: 'URL', required: true },
        id: { name: 'ID', required: false },
        published: { name: 'TIMESTAMP', required: false },
        source: { name: 'PUBLISHER', required: false },
      },
      timeUnit: 'ms',
      delimiter: ',',
    });
  });

  it('applies csv mapping options, marks named columns required and lets an empty value switch a default off', () => {
    const config = fileConfig('csv:/data/x.tsv?title=headline&url=link&text=body&id=&published=ts&timeUnit=s&delimiter=tab');
    expect(config.path).toBe('/data/x.tsv');
    expect(config.mapping).toEqual({
      title: { name: 'headline', required: true },
      url: { name: 'link', required: true },
      published: { name: 'ts', required: true },
      text: { name: 'body', required: true },
      source: { name: 'PUBLISHER', required: false },
    });
    expect(config.timeUnit).toBe('s');
    expect(config.delimiter).toBe('\t');
  });

  it('defaults jsonl to lower-case keys and auto time parsing', () => {
    const config = fileConfig('jsonl:./stories.jsonl');
    expect(config.mapping.title).toEqual({ name: 'title', required: true });
    expect(config.mapping.published).toEqual({ name: 'publishedAt', required: false });
    expect(config.mapping.text).toEqual({ name: 'text', required: false });
    expect(config.timeUnit).toBe('auto');
  });

  it('keeps the whole feed URL, query included, for rss and atom', () => {
    expect(parseSourceSpec('rss:https://Example.com/feed?format=rss&x=1')).toEqual({
      kind: 'rss',
      url: 'https://example.com/feed?format=rss&x=1',
    });
    expect(parseSourceSpec('atom:http://blog.example.org/feed.atom')).toEqual({ kind: 'atom', url: 'http://blog.example.org/feed.atom' });
  });

  it.each([
    ['foo:bar', 'unknown source kind "foo" in "foo:bar"; expected one of csv, jsonl, rss, atom, hn, reddit, github, youtube, medium, devto, producthunt, arxiv, lobsters, web, sitemap'],
    ['stories.csv', 'source spec "stories.csv" has no kind; expected <kind>:<target>, e.g. csv:./stories.csv, rss:https://example.com/feed.xml or hn:top'],
    ['https://example.com/rss', 'unknown source kind "https" in "https://example.com/rss"; expected one of csv, jsonl, rss, atom, hn, reddit, github, youtube, medium, devto, producthunt, arxiv, lobsters, web, sitemap (did you mean rss:https://example.com/rss or web:https://example.com/rss?)'],
    ['csv:', 'source spec "csv:" is missing the file path after "csv:"'],
    ['rss:', 'source spec "rss:" is missing the feed URL after "rss:"'],
    ['rss:example.com/feed', '"example.com/feed" in "rss:example.com/feed" is not an absolute URL; expected rss:https://…'],
    ['rss:ftp://example.com/feed', 'unsupported protocol "ftp:" in "rss:ftp://example.com/feed"; rss URLs must be http or https'],
    ['csv:?title=T', 'source spec "csv:?title=T" is missing the file path'],
    ['csv:a.csv?title=T&title=U', 'option "title" is given twice in "csv:a.csv?title=T&title=U"'],
  ])('rejects %s', (spec, message) => {
    const err = specError(spec);
    expect(err.message).toBe(message);
    expect(err.spec).toBe(spec);
    expect(err.retryable).toBe(false);
  });

  it('names unknown options and lists the valid ones', () => {
    expect(specError('csv:a.csv?titel=T&colour=red').message).toBe(
      'unknown options "titel", "colour" in "csv:a.csv?titel=T&colour=red"; csv options are title, url, id, published, text, author, source, timeUnit, delimiter',
    );
    expect(specError('jsonl:a.jsonl?delimiter=;').message).toMatch(/unknown option "delimiter" in .*jsonl options are title, url, id, published, text, author, source, timeUnit$/);
  });

  it('explains invalid option values', () => {
    expect(specError('csv:a.csv?timeUnit=minutes').message).toMatch(/^invalid options in "csv:a.csv\?timeUnit=minutes": timeUnit: /);
    expect(specError('csv:a.csv?delimiter=;;').message).toContain('delimiter must be one character or "tab"');
    expect(specError('csv:a.csv?title=').message).toContain('title: title cannot be empty');
  });
});
