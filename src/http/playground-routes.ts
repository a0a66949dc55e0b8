/**
 * @module `GET /` and `GET /playground/<file>`: the playground page (src/playground/), plain files with no build step
 * and no CDN. Only the files listed here are reachable, by name, as with /docs; the two libraries (Markdown, HTML
 * sanitising) come from node_modules under /playground/vendor/. Open like /docs: the page itself holds
 * nothing secret, and it asks for the token before it calls the API.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type MiddlewareHandler } from 'hono';

const folder = fileURLToPath(new URL('../playground/', import.meta.url));

export const playgroundFiles = [
  'app.js',
  'api-client.js',
  'event-streams.js',
  'conversation-view.js',
  'sidebar.js',
  'config-reason.js',
  'markdown.js',
  'message-body.js',
  'scroll.js',
  'conversation-actions.js',
  'image-attach.js',
  'tool-steps.js',
  'tool-steps-view.js',
  'style.css',
  'chat.css',
] as const;

/**
 * Libraries the page imports, served from node_modules under fixed names (no CDN, no build step): the browser
 * builds as their packages ship them, found by Node's own resolution; the page's modules import these URLs.
 */
const requireHere = createRequire(import.meta.url);
/** The package's own folder for its ES module build (not `import.meta.resolve`: plugin loading compiles without it). */
const besidePackageEntry = (name: string, file: string): string => join(dirname(requireHere.resolve(name)), file);

export const vendorFiles = {
  'marked.js': besidePackageEntry('marked', 'marked.esm.js'),
  'purify.js': besidePackageEntry('dompurify', 'purify.es.mjs'),
} as const;

/**
 * Scripts, styles and connections from this origin only; no inline code. `frame-ancestors 'none'` keeps another site
 * from framing the page and tricking a click on Send (which would start a paid generation).
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  // data: for the thumbnails of images about to be sent; sent images come from /api/attachment.
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const pageHeaders: MiddlewareHandler = async (context, next) => {
  await next();
  context.header('Content-Security-Policy', contentSecurityPolicy);
  context.header('X-Frame-Options', 'DENY');
  context.header('X-Content-Type-Options', 'nosniff');
  context.header('Referrer-Policy', 'no-referrer');
  // Files change with the checkout, not with a version in their names: always revalidate.
  context.header('Cache-Control', 'no-cache');
};

export function playgroundRoutes(): Hono {
  const playground = new Hono();
  // Per route, not `use`: mounted at `/`, a `use` would wrap every path of the app, /api included.
  playground.get('/', pageHeaders, serveStatic({ path: `${folder}index.html` }));
  for (const file of playgroundFiles) playground.get(`/playground/${file}`, pageHeaders, serveStatic({ path: `${folder}${file}` }));
  for (const [name, path] of Object.entries(vendorFiles)) {
    playground.get(`/playground/vendor/${name}`, pageHeaders, serveStatic({ path }));
  }
  return playground;
}
