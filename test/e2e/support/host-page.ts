/**
 * A site that embeds rtc-call, as a site owner's page would: its own origin
 * (another port than the backend), one script tag loading the bundle from the
 * backend, and one `<rtc-call>` element. Tests choose the element's attributes
 * per page through the URL query (`?ring-timeout=3000`).
 */
import { listenLocal } from './local-server.js';

/** Attributes of `<rtc-call>` a test may set through the query string. */
const ATTRIBUTES = ['server', 'remember-sign-in', 'video', 'ring-timeout', 'preview-on-ring'] as const;
export type RtcCallAttributes = Partial<Record<(typeof ATTRIBUTES)[number], string | boolean>>;

export interface HostSite {
  origin: string;
  /** URL of a page with `<rtc-call>` and the given attributes (`server` defaults to the backend). */
  url(attributes?: RtcCallAttributes): string;
  close(): Promise<void>;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function hostPageHtml(backendOrigin: string, attributes: URLSearchParams): string {
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
<style>body { font-family: sans-serif; margin: 0; } rtc-call { display: block; min-height: 600px; }</style>
</head>
<body>
<h1>A site with a call widget</h1>
<rtc-call ${attrs.join(' ')}></rtc-call>
</body>
</html>`;
}

/** The host page's address with the widget's attributes in the query (false/undefined ones left out). */
export function hostSiteUrl(origin: string, attributes: RtcCallAttributes = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined) continue;
    query.set(name, value === true ? '' : value);
  }
  const q = query.toString();
  return `${origin}/${q ? `?${q}` : ''}`;
}

export async function startHostSite(backendOrigin: string): Promise<HostSite> {
  const server = await listenLocal((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(hostPageHtml(backendOrigin, url.searchParams));
  });
  const { origin } = server;
  return {
    origin,
    url: (attributes = {}) => hostSiteUrl(origin, attributes),
    close: () => server.close(),
  };
}
