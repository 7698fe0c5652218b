/**
 * The testing kit as a site owner gets it (issue #19): the packed release
 * installed with `--omit=dev` into an empty project, next to playwright-core
 * and puppeteer-core from the npm registry. There, the two examples of
 * docs/testing-your-page.md run exactly as the guide prints them: Playwright
 * with the system Chromium, puppeteer with Firefox ESR. Each serves a page
 * embedding the widget and, with the kit alone, signs two people up, calls,
 * sees media both ways and hangs up.
 *
 * The tarball is the run's one (./support.ts); the install comes from npm's
 * cache when it can.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../support/test-backend.js';
import { installRelease, installedPackages, operatorEnv, releaseTarball, run } from './support.js';

const GUIDE = join(REPO_ROOT, 'docs', 'testing-your-page.md');

/** The guide's fenced example whose first line names `file` (`// my-page.playwright.test.mjs: …`). */
export function guideExample(markdown: string, file: string): string {
  const blocks = [...markdown.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const example = blocks.find((block) => block.startsWith(`// ${file}`));
  assert.ok(example, `docs/testing-your-page.md has an example starting with "// ${file}"`);
  return example;
}

/** The runner versions this repository tests with, where it has them (so npm's cache serves them). */
function runnerPackages(): string[] {
  const { devDependencies } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  return [`puppeteer-core@${devDependencies['puppeteer-core']}`, 'playwright-core@1'];
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

describe('the testing kit from the packed release', () => {
  let app = '';

  let dir = '';
  after(() => rm(dir, { recursive: true, force: true }));

  before(
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'rtc-call-kit-'));
      let since = performance.now();
      const tarball = await releaseTarball();
      const packed = seconds(since);
      since = performance.now();
      app = join(dir, 'site');
      await installRelease(app, tarball, runnerPackages());
      // A `before` hook has no diagnostics in Node 20: a TAP comment line instead.
      console.log(`# testing kit: tarball ready in ${packed} s, npm install (--omit=dev, --prefer-offline) in ${seconds(since)} s`);
    },
    { timeout: 300_000 },
  );

  it('installs without dev tools or test runners it does not need', () => {
    const installed = installedPackages(join(app, 'node_modules'));
    for (const name of ['rtc-call', 'playwright-core', 'puppeteer-core']) assert.ok(installed.includes(name), `${name} installed`);
    for (const tool of ['tsx', 'typescript', 'rollup', '@open-wc/testing'])
      assert.ok(!installed.includes(tool), `${tool} is not installed`);
  });

  for (const [file, browser] of [
    ['my-page.playwright.test.mjs', 'Playwright with Chromium'],
    ['my-page.puppeteer.test.mjs', 'puppeteer with Firefox ESR'],
  ] as const) {
    it(`the guide's ${browser} example passes as printed`, { timeout: 240_000 }, async (t) => {
      await writeFile(join(app, file), guideExample(readFileSync(GUIDE, 'utf8'), file));
      const since = performance.now();
      const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', file], {
        cwd: app,
        env: operatorEnv(),
        maxBuffer: 16 * 1024 * 1024,
      }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`${file} failed:\n${error.stdout ?? ''}\n${error.stderr ?? error.message}`);
      });
      t.diagnostic(`${file}: ${seconds(since)} s`);
      assert.match(stdout, /^# pass 1$/m, stdout);
      assert.match(stdout, /^# fail 0$/m, stdout);
    });
  }
});
