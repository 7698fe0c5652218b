/**
 * A site that embeds rtc-call, as a site owner's page would: its own origin
 * (another port than the backend), one script tag loading the bundle from the
 * backend, and one `<rtc-call>` element. Tests choose the element's attributes
 * per page through the URL query (`?ring-timeout=3000`). A site may have more
 * pages than `/`, the same page served with extra headers (a strict
 * Content-Security-Policy); those link the site's style as a file
 * (`style-src 'self'`) instead of inlining it.
 */
import { listenLocal } from './local-server.js';

/** Attributes of `<rtc-call>` a test may set through the query string. */
const ATTRIBUTES = ['server', 'remember-sign-in', 'video', 'ring-timeout', 'preview-on-ring'] as const;
export type RtcCallAttributes = Partial<Record<(typeof ATTRIBUTES)[number], string | boolean>>;

export interface HostSite {
  origin: string;
  /** URL of a page (`/` or one of `HostSiteOptions.pages`) with `<rtc-call>` and the given attributes (`server` defaults to the backend). */
  url(attributes?: RtcCallAttributes, path?: string): string;
  close(): Promise<void>;
}

export interface HostSiteOptions {
  /** More pages: path → the extra response headers of that page (a Content-Security-Policy), given the backend's origin. */
  pages?: Record<string, (backendOrigin: string) => Record<string, string>>;
}

const SITE_CSS = 'body { font-family: sans-serif; margin: 0; } rtc-call { display: block; min-height: 600px; }';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function hostPageHtml(backendOrigin: string, attributes: URLSearchParams, styleAsFile = false): string {
  const attrs = [`server="${escapeHtml(attributes.get('server') ?? backendOrigin)}"`];
  for (const name of ATTRIBUTES) {
    if (name === 'server' || !attributes.has(name)) continue;
    const value = attributes.get(name) ?? '';
    attrs.push(value === '' ? name : `${name}="${escapeHtml(value)}"`);
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Site embedding rtc-call</title>
<script type="module" src="${escapeHtml(backendOrigin)}/rtc-call.js"></script>
${styleAsFile ? '<link rel="stylesheet" href="/site.css">' : `<style>${SITE_CSS}</style>`}
</head>
<body>
<h1>A site with a call widget</h1>
<rtc-call ${attrs.join(' ')}></rtc-call>
</body>
</html>`;
}

/** The host page's address with the widget's attributes in the query (false/undefined ones left out). */
export function hostSiteUrl(origin: string, attributes: RtcCallAttributes = {}, path = '/'): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined) continue;
    query.set(name, value === true ? '' : value);
  }
  const q = query.toString();
  return `${origin}${path}${q ? `?${q}` : ''}`;
}

export async function startHostSite(backendOrigin: string, options: HostSiteOptions = {}): Promise<HostSite> {
  const pages = new Map(Object.entries(options.pages ?? {}).map(([path, headers]) => [path, headers(backendOrigin)]));
  const server = await listenLocal((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/site.css') {
      res.writeHead(200, { 'content-type': 'text/css; charset=utf-8' }).end(SITE_CSS);
      return;
    }
    const extraHeaders = pages.get(url.pathname);
    if (url.pathname !== '/' && !extraHeaders) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { ...extraHeaders, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(hostPageHtml(backendOrigin, url.searchParams, Boolean(extraHeaders)));
  });
  const { origin } = server;
  return {
    origin,
    url: (attributes = {}, path = '/') => hostSiteUrl(origin, attributes, path),
    close: () => server.close(),
  };
}
