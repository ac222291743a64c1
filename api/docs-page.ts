import type { OpenApiDocument } from './openapi';

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  description?: string;
}

/** One line of constraints for a parameter: `integer, 1…200, default 50`. */
function describeSchema(s: JsonSchema): string {
  const parts: string[] = [Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'any')];
  if (s.enum) parts.push(`one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  if (s.const !== undefined) parts.push(`= ${JSON.stringify(s.const)}`);
  const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? `>${s.exclusiveMinimum}` : undefined);
  if (min !== undefined || s.maximum !== undefined) parts.push(`${min ?? ''}…${s.maximum ?? ''}`);
  if (s.minLength !== undefined || s.maxLength !== undefined) parts.push(`length ${s.minLength ?? 0}…${s.maxLength ?? ''}`);
  if (s.pattern) parts.push(`pattern ${s.pattern}`);
  if (s.default !== undefined) parts.push(`default ${JSON.stringify(s.default)}`);
  return parts.join(', ');
}

interface Operation {
  summary?: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; required: boolean; description?: string; schema: JsonSchema }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  security?: unknown[];
  responses?: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
  'x-undocumented'?: boolean;
}

function renderOperation(method: string, path: string, op: Operation): string {
  const params = op.parameters ?? [];
  const body = op.requestBody?.content['application/json']?.schema;
  const locked = (op.security ?? []).length > 0;
  return `<section class="op" id="${esc(`${method}-${path}`)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code>${locked ? ' <span class="lock" title="needs an API key">API key</span>' : ''}</h3>
<p>${esc(op.summary ?? '')}${op['x-undocumented'] ? ' <em>(no schema registered)</em>' : ''}</p>
${op.description ? `<p class="d">${esc(op.description)}</p>` : ''}
${
  params.length
    ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th><th></th></tr>${params
        .map(
          (p) =>
            `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td>${esc(describeSchema(p.schema))}</td><td>${esc(p.description ?? p.schema.description ?? '')}</td></tr>`,
        )
        .join('')}</table>`
    : ''
}
${body ? `<details><summary>request body (application/json)</summary><pre>${esc(JSON.stringify(body, null, 2))}</pre></details>` : ''}
<details><summary>responses: ${esc(Object.keys(op.responses ?? {}).join(', '))}</summary><ul>${Object.entries(op.responses ?? {})
    .map(([code, r]) => {
      const [type, media] = Object.entries(r.content ?? {})[0] ?? [];
      const schema = media?.schema ? `<pre>${esc(JSON.stringify(media.schema, null, 2))}</pre>` : '';
      return `<li><b>${esc(code)}</b> ${esc(r.description)}${type ? ` <code>${esc(type)}</code>` : ''}${schema}</li>`;
    })
    .join('')}</ul></details>
</section>`;
}

/** A self-contained HTML rendering of the document (no scripts, no CDN: works offline). */
export function renderDocsPage(doc: OpenApiDocument): string {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ method, path, op: op as Operation })),
  );
  const toc = ops.map(({ method, path }) => `<li><a href="#${esc(`${method}-${path}`)}">${esc(method.toUpperCase())} ${esc(path)}</a></li>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} ${esc(doc.info.version)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 2rem;color:#1d2330}
code,pre{font-family:ui-monospace,monospace}pre{background:#f4f5f7;padding:.6rem;overflow:auto;max-height:24rem}
.op{border-top:1px solid #dde;padding:.4rem 0}.m{display:inline-block;min-width:4.5rem;text-align:center;border-radius:3px;color:#fff;padding:0 .3rem}
.get{background:#2f7ed8}.post{background:#2a9d55}.patch,.put{background:#c98a12}.delete{background:#c0392b}
.lock{font-size:11px;border:1px solid #c98a12;color:#8a5d00;border-radius:3px;padding:0 .3rem}
table{border-collapse:collapse}td,th{border:1px solid #dde;padding:.2rem .5rem;text-align:left;vertical-align:top}
ul.toc{columns:2}
</style></head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description)}</p>
<p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI ${esc(doc.openapi)}).</p>
<ul class="toc">${toc.join('')}</ul>
${ops.map(({ method, path, op }) => renderOperation(method, path, op)).join('\n')}
<h2>Schemas</h2>
${Object.entries(doc.components.schemas)
  .map(([name, s]) => `<h3 id="schema-${esc(name)}">${esc(name)}</h3><pre>${esc(JSON.stringify(s, null, 2))}</pre>`)
  .join('\n')}
</body></html>`;
}
