/**
 * @module Refuses browser requests that a page on another site made, before any step runs: a page the user
 * happens to visit must not start a paid generation or write a file. Allowed origins pass (CORS answers them).
 */
import type { MiddlewareHandler } from 'hono';
import { CallError } from '../../lib/call-error.js';
import { hostNameOf, isLoopbackHost } from './loopback.js';

export interface CrossSiteOptions {
  /** Origins (`scheme://host[:port]`) whose pages may call the API: BRANCHFLOW_CORS_ORIGINS. */
  corsOrigins: readonly string[];
  tokenRequired: boolean;
}

export function crossSiteGuard(options: CrossSiteOptions): MiddlewareHandler {
  const allowed = new Set(options.corsOrigins);
  return async function guardCrossSite(context, next) {
    // Under @hono/node-server the URL's host is the request's Host header.
    const ownHost = new URL(context.req.url).host;
    const origin = context.req.header('origin');
    const fetchSite = context.req.header('sec-fetch-site');
    if (origin !== undefined) {
      if (hostOf(origin) !== ownHost && !allowed.has(origin)) {
        throw new CallError(
          'FORBIDDEN',
          `cross-site request from ${origin} refused; to allow that page, add its origin to BRANCHFLOW_CORS_ORIGINS`,
        );
      }
    } else if (fetchSite === 'cross-site' || fetchSite === 'same-site') {
      // No Origin (an <img> or <script> tag, a plain link) yet the browser says another origin made it.
      // `same-site` counts too: a page on another port of localhost is another origin.
      throw new CallError('FORBIDDEN', `a ${fetchSite} browser request without an allowed Origin is refused; see BRANCHFLOW_CORS_ORIGINS`);
    }
    // DNS rebinding: a site can point its own name at 127.0.0.1 and then look same-origin. Without a token,
    // only loopback names are accepted in Host; with one, the attacker still lacks the token.
    if (!options.tokenRequired && !isLoopbackHost(hostNameOf(ownHost))) {
      throw new CallError(
        'FORBIDDEN',
        `requests for host "${ownHost}" are refused without a token; set BRANCHFLOW_TOKEN to serve other host names`,
      );
    }
    await next();
  };
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // `Origin: null` (sandboxed frames, file:// pages) is never same-origin
  }
}
