/**
 * @module `GET /docs`: Swagger UI rendering /openapi.json, its assets served from the installed swagger-ui-dist
 * (no CDN, so the page works offline). Only the files the page needs are reachable, by name.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

// The package's main module loads the 1.7 MB browser bundle into Node; absolute-path.js only finds the folder.
const getAbsoluteFSPath = createRequire(import.meta.url)('swagger-ui-dist/absolute-path.js') as () => string;

const assets = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png'];

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>branchflow API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/initializer.js"></script>
  </body>
</html>
`;

// validatorUrl: null, or Swagger UI sends the document to validator.swagger.io for a badge.
const initializer = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
});
`;

export function docsRoutes(): Hono {
  const folder = getAbsoluteFSPath();
  const docs = new Hono();
  docs.get('/', (context) => context.html(page));
  docs.get('/initializer.js', (context) => context.body(initializer, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  for (const asset of assets) docs.get(`/${asset}`, serveStatic({ path: join(folder, asset) }));
  return docs;
}
