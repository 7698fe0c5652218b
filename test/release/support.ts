/**
 * What the release tests share: one packed release per run, an operator's
 * (or a site owner's CI's) shell, and `npm install` of the tarball into an
 * empty folder.
 *
 * Packing builds dist/ from scratch (`prepack`), about half a minute, and two
 * packs of one clone at once would delete each other's dist/: `npm run
 * test:release` (scripts/test-release.sh) packs once and hands the tarball to
 * every file in RTC_RELEASE_TARBALL; a file run on its own packs once for
 * its process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/test-backend.js';

export const run = promisify(execFile);

/**
 * An operator's shell: no npm_* variables of the `npm test` that runs us, no
 * NODE_TEST_CONTEXT of node:test (a `node --test` inside would report to us
 * instead of printing), and no node_modules/.bin of this clone on the PATH
 * (it holds tsx and rollup).
 */
export function operatorEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_') && name !== 'NODE_TEST_CONTEXT'),
  );
  env.PATH = (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !dir.endsWith(join('node_modules', '.bin')))
    .join(delimiter);
  return env;
}

/** Packs this clone into `dir` (prepack builds it); the tarball's path. */
export async function pack(dir: string): Promise<string> {
  await run('npm', ['pack', '--pack-destination', dir], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  const tarballs = readdirSync(dir).filter((name) => name.endsWith('.tgz'));
  assert.equal(tarballs.length, 1, `one tarball in ${dir}: ${tarballs.join(', ')}`);
  return join(dir, tarballs[0]!);
}

let packed: Promise<string> | undefined;

/** The release tarball of this run: RTC_RELEASE_TARBALL, or packed once for this process (removed when it exits). */
export function releaseTarball(): Promise<string> {
  const given = process.env.RTC_RELEASE_TARBALL;
  if (given) {
    assert.ok(existsSync(given), `RTC_RELEASE_TARBALL=${given} does not exist`);
    return Promise.resolve(given);
  }
  if (!packed) {
    const dir = mkdtempSync(join(tmpdir(), 'rtc-call-pack-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    packed = pack(dir);
  }
  return packed;
}

/**
 * `npm install <tarball> [packages…] --omit=dev` into a new folder `app`, from
 * the local cache when it can (the npm registry is the only network).
 */
export async function installRelease(app: string, tarball: string, packages: readonly string[] = []): Promise<void> {
  await mkdir(app);
  await writeFile(join(app, 'package.json'), '{ "private": true, "type": "module" }\n');
  await run('npm', ['install', tarball, ...packages, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: app,
    env: operatorEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Names of every installed package folder under `nodeModules`, nested ones too. */
export function installedPackages(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  return readdirSync(nodeModules, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .flatMap((entry) => {
      const dir = join(nodeModules, entry.name);
      const names = entry.name.startsWith('@') ? readdirSync(dir).map((scoped) => `${entry.name}/${scoped}`) : [entry.name];
      return names.flatMap((name) => [name, ...installedPackages(join(nodeModules, name, 'node_modules'))]);
    });
}
