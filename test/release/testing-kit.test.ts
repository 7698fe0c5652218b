/**
 * The testing kit as a site owner gets it (issue #19): the packed release
 * installed with `--omit=dev` into an empty project, next to playwright-core,
 * puppeteer-core and web-test-runner with @open-wc/testing from the npm
 * registry. There, the examples of docs/testing-your-page.md run exactly as
 * the guide prints them: Playwright with the system Chromium and puppeteer
 * with Firefox ESR each serve a page embedding the widget and, with the kit
 * alone, sign two people up, call, see media both ways and hang up;
 * web-test-runner mounts the widget with the kit's fixtures against the
 * kit's backend plugin.
 *
 * The tarball is the run's one (./support.ts); the install comes from npm's
 * cache when it can.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../support/test-backend.js';
import { installRelease, installedPackages, operatorEnv, releaseTarball, run } from './support.js';

const GUIDE = join(REPO_ROOT, 'docs', 'testing-your-page.md');

/** The guide's fenced example whose first line names `file` (`// my-page.playwright.test.mjs: …`). */
function guideExample(markdown: string, file: string): string {
  const blocks = [...markdown.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const example = blocks.find((block) => block.startsWith(`// ${file}`));
  assert.ok(example, `docs/testing-your-page.md has an example starting with "// ${file}"`);
  return example;
}

/** The runners, at the versions this repository tests with (so npm's cache serves them where it can). */
function runnerPackages(): string[] {
  const { devDependencies } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const ours = ['puppeteer-core', '@web/test-runner', '@web/test-runner-chrome', '@open-wc/testing'];
  return [...ours.map((name) => `${name}@${devDependencies[name]}`), 'playwright-core@1'];
}

/** Runs `command` in the site's project as its CI would; its output, or an error with all of it. */
async function runInSite(app: string, command: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await run(command, args, { cwd: app, env: operatorEnv(), maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`${command} ${args.join(' ')} failed:\n${error.stdout ?? ''}\n${error.stderr ?? error.message}`);
    },
  );
  return `${stdout}\n${stderr}`;
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

  it('installs without TypeScript tools, next to the runners', () => {
    const installed = installedPackages(join(app, 'node_modules'));
    for (const name of ['rtc-call', 'playwright-core', 'puppeteer-core', '@web/test-runner'])
      assert.ok(installed.includes(name), `${name} installed`);
    // rollup comes with @web/test-runner; release.test.ts checks a bare install has none of the build tools.
    for (const tool of ['tsx', 'typescript']) assert.ok(!installed.includes(tool), `${tool} is not installed`);
  });

  for (const [file, browser] of [
    ['my-page.playwright.test.mjs', 'Playwright with Chromium'],
    ['my-page.puppeteer.test.mjs', 'puppeteer with Firefox ESR'],
  ] as const) {
    it(`the guide's ${browser} example passes as printed`, { timeout: 240_000 }, async (t) => {
      await writeFile(join(app, file), guideExample(readFileSync(GUIDE, 'utf8'), file));
      const since = performance.now();
      const stdout = await runInSite(app, process.execPath, ['--test', '--test-reporter=tap', file]);
      t.diagnostic(`${file}: ${seconds(since)} s`);
      assert.match(stdout, /^# pass 1$/m, stdout);
      assert.match(stdout, /^# fail 0$/m, stdout);
    });
  }

  it("the guide's web-test-runner example passes as printed (Chromium)", { timeout: 240_000 }, async (t) => {
    const guide = readFileSync(GUIDE, 'utf8');
    await mkdir(join(app, 'test'));
    for (const file of ['web-test-runner.config.mjs', 'test/support-widget.test.js']) {
      await writeFile(join(app, file), guideExample(guide, file));
    }
    const since = performance.now();
    const output = await runInSite(app, 'npx', ['web-test-runner']);
    t.diagnostic(`web-test-runner: ${seconds(since)} s`);
    assert.match(output, /Chromium: .*1 passed, 0 failed/, output);
  });
});
