/**
 * `node --import <this file>`: appends the URL of every module the process
 * resolves, one per line, to the file named by RTC_MODULE_LOG. Put it after
 * `--import tsx` so the URLs are the ones tsx settled on (the .ts sources).
 * test/broker/lazy-redis.test.ts reads it to see which packages a backend
 * loaded. ES imports only: Node 20 does not pass a CommonJS package's own
 * `require()`s through these hooks, but every package the backend uses is
 * imported from its ES modules, so each one it loads is named here.
 *
 * One file for both ends: in the main thread it registers itself; in the
 * hooks thread it is the hooks.
 */
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

/** @type {string | undefined} */
let logFile;

/** @param {{ file?: string }} data */
export function initialize(data) {
  logFile = data.file;
}

/**
 * @param {string} specifier
 * @param {object} context
 * @param {(specifier: string, context: object) => Promise<{ url: string }>} nextResolve
 */
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (logFile) appendFileSync(logFile, `${resolved.url}\n`);
  return resolved;
}

if (isMainThread) {
  if (!process.env.RTC_MODULE_LOG) throw new Error('module-log.mjs: set RTC_MODULE_LOG to the file to append to');
  register(import.meta.url, { data: { file: process.env.RTC_MODULE_LOG } });
}
