/**
 * The built widget's script graph (dist/), read from the built files themselves: which files a
 * page loads for its first paint and which for a 1:1 call. Shared by bench/bundle-size.ts (the
 * sizes) and test/e2e/loading.test.ts, which checks in real browsers that a page placing a 1:1
 * call loads exactly {@link callScripts} — so the figure the bench prints is the set a page really
 * fetches, not a guess.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { init, parse } from 'es-module-lexer';
import { targetLocales } from '../../src/generated/locale-codes.js';

/**
 * The lazy modules a 1:1 call loads, by the name Rollup gives their chunk (the module's file
 * name): the call engine with the signed-in elements (src/rtc-call/signed-in.ts, loaded when the
 * sign-in form is idle) and MQTT.js (src/core/mqtt-lean.ts). Every other lazy chunk (group calls,
 * the pre-call check, file transfer, ...) loads only when its feature is first used.
 */
export const CALL_CHUNK_NAMES = ['signed-in', 'mqtt-lean'] as const;

/** A language's chunk: Rollup names it after its module, src/generated/locales/<locale>.ts. */
const LANGUAGE_CHUNK = new RegExp(`^(${targetLocales.join('|')})-[\\w-]+\\.js$`);
export const isLanguageChunk = (file: string): boolean => LANGUAGE_CHUNK.test(basename(file));
const chunkNamed = (file: string, name: string) => new RegExp(`^${name}-[\\w-]+\\.js$`).test(basename(file));

export interface BundleGraph {
  root: string;
  /** dist/rtc-call.js and its static imports: the first paint. */
  initial: Set<string>;
  /** Every file reachable from dist/rtc-call.js, static and dynamic imports. */
  all: Set<string>;
  /** What a page loads from its first paint to a connected 1:1 call, in English (no language chunk). */
  call: Set<string>;
  /** The MQTT chunk and its static imports beyond the initial script. */
  mqtt: Set<string>;
  languages: string[];
}

/** Relative imports of a built file, split by how they load. */
function importsOf(file: string): { eager: string[]; lazy: string[] } {
  const [imports] = parse(readFileSync(file, 'utf8'), file);
  const eager: string[] = [];
  const lazy: string[] = [];
  for (const imp of imports) {
    if (imp.type === 'import-meta' || !imp.specifier?.startsWith('.')) continue;
    (imp.type === 'dynamic' ? lazy : eager).push(resolve(dirname(file), imp.specifier));
  }
  return { eager, lazy };
}

/** Reads the graph of the build in `<root>/dist` (dist/chunks may hold stale chunks of earlier builds: only reachable files count). */
export async function bundleGraph(root: string): Promise<BundleGraph> {
  await init();
  const entry = join(root, 'dist', 'rtc-call.js');
  if (!existsSync(entry)) throw new Error(`${relative(root, entry)} is missing; run "npm run build" first`);
  const closure = (starts: string[], followLazy: boolean): Set<string> => {
    const seen = new Set<string>();
    const queue = [...starts];
    while (queue.length > 0) {
      const file = queue.shift()!;
      if (seen.has(file)) continue;
      if (!existsSync(file)) throw new Error(`${relative(root, file)} is imported but missing; rebuild with "npm run build"`);
      seen.add(file);
      const { eager, lazy } = importsOf(file);
      queue.push(...eager, ...(followLazy ? lazy : []));
    }
    return seen;
  };
  const initial = closure([entry], false);
  const all = closure([entry], true);
  const lazyStarts = (name: string) => [...all].filter((f) => chunkNamed(f, name));
  for (const name of CALL_CHUNK_NAMES) {
    if (lazyStarts(name).length !== 1) throw new Error(`expected one chunk named ${name}-*.js reachable from dist/rtc-call.js`);
  }
  const call = closure([entry, ...CALL_CHUNK_NAMES.flatMap(lazyStarts)], false);
  const mqtt = new Set([...closure(lazyStarts('mqtt-lean'), false)].filter((f) => !initial.has(f)));
  return { root, initial, all, call, mqtt, languages: [...all].filter(isLanguageChunk) };
}
