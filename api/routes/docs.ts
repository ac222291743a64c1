import type { Router } from 'express';
import { renderDocsPage } from '../docs-page';
import { apiRouter, type OpenApiDocument } from '../openapi';

// The page is static HTML with inline styles only; it loads nothing, so it works on offline machines.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

/** `/openapi.json` (OpenAPI 3.1, generated from the routes' zod schemas) and `/docs`, its HTML rendering. */
export function docsRouter(document: () => OpenApiDocument): Router {
  const r = apiRouter();
  const tags = ['docs'];
  r.get(
    '/openapi.json',
    { summary: 'This API as an OpenAPI 3.1 document', tags, public: true, responses: { 200: { description: 'the document' } } },
    (_in, _req, res) => {
      res.json(document());
    },
  );
  r.get(
    '/docs',
    { summary: 'Browsable API documentation', tags, public: true, responses: { 200: { description: 'HTML page', contentType: 'text/html' } } },
    (_in, _req, res) => {
      res.setHeader('Content-Security-Policy', CSP);
      res.type('html').send(renderDocsPage(document()));
    },
  );
  return r.router;
}
