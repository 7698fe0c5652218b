/**
 * Cuts the network of ONE browser, as a lost Wi-Fi or an unplugged cable
 * would, while everything (backend, other browser) stays on 127.0.0.1.
 *
 * The browser runs as its own system user (created here, removed after), and
 * an nftables table drops every packet that user's sockets send (the output
 * hook sees loopback traffic too) and, through a conntrack mark, every packet
 * arriving on those flows. Puppeteer drives Chromium over a pipe and Firefox
 * over a WebDriver BiDi port that the rules leave open, so the test keeps
 * control while the page is cut off. CDP's offline emulation would not do:
 * it does not stop WebRTC.
 *
 * Needs root and `nft` (scripts/ensure-system.sh installs nftables).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { CHROMIUM_PATH, FIREFOX_PATH, launchBrowser, type BrowserName } from '../support/browsers.js';

const USER_PREFIX = 'rtcnetcut';
const TABLE_PREFIX = 'rtc_netcut_';

/** Whether this machine can cut one browser's network (root, nft, setpriv). */
export function networkCutSupported(): string | null {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const tool of ['nft', 'setpriv', 'useradd']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `needs ${tool} (run scripts/ensure-system.sh)`;
  }
  return null;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const run = (cmd: string, args: string[], input?: string): string =>
  execFileSync(cmd, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

/** Removes rule tables and users left by runs that died before cleaning up (their pid is gone). */
function removeStaleLeftovers(): void {
  for (const line of run('nft', ['list', 'tables']).split('\n')) {
    const m = /^table inet (rtc_netcut_(\d+)(_cut)?)$/.exec(line.trim());
    if (m && !alive(Number(m[2]))) spawnSync('nft', ['delete', 'table', 'inet', m[1]!]);
  }
  for (const line of run('getent', ['passwd']).split('\n')) {
    const m = new RegExp(`^(${USER_PREFIX}(\\d+)):`).exec(line);
    if (m && !alive(Number(m[2]))) cleanupUser(m[1]!, null);
  }
}

/**
 * One browser whose network can be cut and restored. `close()` always
 * restores the network, closes the browser and removes the user and its files.
 */
export class CutOffBrowser {
  private cut = false;

  private constructor(
    readonly browser: Browser,
    private readonly user: string,
    private readonly uid: number,
    private readonly home: string,
    /** The BiDi port puppeteer talks to Firefox on; null over a pipe (Chromium). */
    private readonly controlPort: number | null,
  ) {}

  static async launch(name: BrowserName): Promise<CutOffBrowser> {
    removeStaleLeftovers();
    const user = `${USER_PREFIX}${process.pid}`;
    if (spawnSync('id', ['-u', user]).status !== 0) {
      run('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', user]);
    }
    const uid = Number(run('id', ['-u', user]).trim());
    const gid = Number(run('id', ['-g', user]).trim());
    const home = mkdtempSync(join(tmpdir(), 'rtc-netcut-'));
    let browser: Browser | null = null;
    try {
      const profile = join(home, 'profile');
      run('mkdir', ['-p', profile, join(home, '.config'), join(home, '.cache')]);
      run('chown', ['-R', `${uid}:${gid}`, home]);
      const wrapper = join(home, 'browser.sh');
      const target = name === 'chromium' ? CHROMIUM_PATH : FIREFOX_PATH;
      writeFileSync(
        wrapper,
        `#!/bin/sh\nexec setpriv --reuid=${uid} --regid=${gid} --clear-groups env HOME=${home} XDG_CONFIG_HOME=${home}/.config XDG_CACHE_HOME=${home}/.cache ${target} "$@"\n`,
      );
      chmodSync(wrapper, 0o755);
      // Chromium over a pipe: no control port for the cut to spare.
      browser = await launchBrowser(name, { executablePath: wrapper, userDataDir: profile, pipe: name === 'chromium' });
      const controlPort = name === 'chromium' ? null : Number(new URL(browser.wsEndpoint()).port);
      const cut = new CutOffBrowser(browser, user, uid, home, controlPort);
      cut.markFlows();
      return cut;
    } catch (e) {
      await browser?.close().catch(() => undefined);
      spawnSync('nft', ['delete', 'table', 'inet', `${TABLE_PREFIX}${process.pid}`]);
      cleanupUser(user, home);
      throw e;
    }
  }

  private get table(): string {
    return `${TABLE_PREFIX}${process.pid}`;
  }

  /** Same value as a ct mark for every flow this browser's user sends on. */
  private get mark(): number {
    return 0x5e7c0000 + (process.pid & 0xffff);
  }

  get isCut(): boolean {
    return this.cut;
  }

  /**
   * Marks every flow the user sends on, from launch: a flow must carry the mark
   * before the cut, or the first packet sent to it during the cut would still
   * arrive (its answer, dropped, would mark it only then).
   */
  private markFlows(): void {
    run(
      'nft',
      ['-f', '-'],
      `table inet ${this.table} {
  chain flows {
    type filter hook output priority -10; policy accept;
    meta skuid ${this.uid} ct mark set ${this.mark}
  }
}
`,
    );
  }

  /** From now on nothing this browser sends leaves, and nothing sent to it on its flows arrives. */
  cutNetwork(): void {
    if (this.cut) return;
    const keep = this.controlPort ? `meta skuid ${this.uid} tcp sport ${this.controlPort} accept\n    ` : '';
    run(
      'nft',
      ['-f', '-'],
      `table inet ${this.table}_cut {
  chain out {
    type filter hook output priority 0; policy accept;
    ${keep}meta skuid ${this.uid} drop
  }
  chain in {
    type filter hook input priority 0; policy accept;
    ${this.controlPort ? `tcp dport ${this.controlPort} accept\n    tcp sport ${this.controlPort} accept\n    ` : ''}ct mark ${this.mark} drop
  }
}
`,
    );
    this.cut = true;
  }

  restoreNetwork(): void {
    spawnSync('nft', ['delete', 'table', 'inet', `${this.table}_cut`]);
    this.cut = false;
  }

  async close(): Promise<void> {
    this.restoreNetwork();
    spawnSync('nft', ['delete', 'table', 'inet', this.table]);
    await this.browser.close().catch(() => undefined);
    cleanupUser(this.user, this.home);
  }
}

/** Ends what still runs as the user (only ever a browser this module launched: the user is made per test process), then removes it. */
function cleanupUser(user: string, home: string | null): void {
  const pids = spawnSync('pgrep', ['-u', user], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  spawnSync('userdel', [user]);
  if (home) rmSync(home, { recursive: true, force: true });
}
