/**
 * A tiny loopback HTTP server for benchmark pages and the scripts they load
 * from node_modules (no CDN: the machine has no outside network, and a CDN
 * would measure the network rather than the library).
 */
import { readFile } from 'node:fs/promises';
import { listenLocal, type LocalServer } from '../../test/e2e/support/local-server.js';

export type Route = { html: string } | { file: string; type: string };

export async function serveStatic(routes: Record<string, Route>): Promise<LocalServer> {
  return listenLocal(async (req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://127.0.0.1').pathname];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = 'html' in route ? route.html : await readFile(route.file);
      res.writeHead(200, { 'content-type': 'html' in route ? 'text/html; charset=utf-8' : route.type });
      res.end(body);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
}
