/**
 * `npm start` in a clone (its `prestart`): builds the widget only when
 * dist/rtc-call.js is missing or older than what it is built from (src/, the
 * rollup and TypeScript settings, the locked dependencies), so a fresh clone
 * or a `git pull` gets a current bundle and every other start begins at once.
 * A release (`npm pack`) is always built from scratch by `prepack` instead.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const OUTPUT = 'dist/rtc-call.js';
const INPUTS = ['src', 'rollup.config.mjs', 'tsconfig.json', 'package-lock.json'];

/** Newest modification time under `path` (a file or a folder), 0 when it does not exist. */
function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

const built = newest(join(ROOT, OUTPUT));
const changed = Math.max(...INPUTS.map((input) => newest(join(ROOT, input))));
if (built === 0 || changed > built) {
  console.log(built === 0 ? `${OUTPUT} is missing: building` : `the sources changed since ${OUTPUT} was built: building`);
  const { status } = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  process.exit(status ?? 1);
}
