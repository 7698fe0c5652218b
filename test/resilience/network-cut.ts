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
 *
 * `degrade()` makes the same browser's link poor instead of cutting it: what reaches the browser
 * loses a share of its packets and goes through a slow queue. `tc netem` would be the usual tool,
 * but these kernels have no netem (`tc qdisc add dev lo root netem` answers "Specified qdisc kind
 * is unknown") and no tc classifier at all; what works (measured with a UDP echo over loopback:
 * 10 % loss, and round trips from 0.2 ms to ~700 ms behind a 200 kbit/s queue):
 * - loss: an nftables rule `numgen random mod 100 < N drop` on the browser's flows;
 * - rate and queueing delay: an htb class on `lo` with a bounded bfifo queue. Htb needs no
 *   classifier: it puts a packet whose skb priority names one of its classes in that class, and
 *   nftables sets it (`meta priority set 5e7c:N`). Everything else on `lo` has no such priority
 *   and leaves through htb's direct queue, unshaped, so other tests on the machine are untouched.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { CHROMIUM_PATH, FIREFOX_PATH, launchBrowser, type BrowserName } from '../support/browsers.js';

const USER_PREFIX = 'rtcnetcut';
const TABLE_PREFIX = 'rtc_netcut_';
/** The htb qdisc on `lo` that degraded links share; each process adds one class under it. */
const HTB_HANDLE = '5e7c';

/** Whether this machine can cut one browser's network (root, nft, setpriv). */
export function networkCutSupported(): string | null {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const tool of ['nft', 'setpriv', 'useradd']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `needs ${tool} (run scripts/ensure-system.sh)`;
  }
  return null;
}

/** Whether this machine can also degrade one browser's link (`degrade()`: tc with htb on top of the cut's needs). */
export function linkDegradeSupported(): string | null {
  const cut = networkCutSupported();
  if (cut) return cut;
  return spawnSync('sh', ['-c', 'command -v tc']).status === 0 ? null : 'needs tc (run scripts/ensure-system.sh)';
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

/** Loads one nftables table of filter chains (accepting by default), each with its hook, priority (0 unless given) and rules in order. */
function loadTable(name: string, chains: Record<string, { hook: 'input' | 'output'; priority?: number; rules: string[] }>): void {
  const body = Object.entries(chains).map(
    ([chain, { hook, priority = 0, rules }]) =>
      `  chain ${chain} {\n    type filter hook ${hook} priority ${priority}; policy accept;\n${rules.map((r) => `    ${r}\n`).join('')}  }\n`,
  );
  run('nft', ['-f', '-'], `table inet ${name} {\n${body.join('')}}\n`);
}

/** Removes rule tables and users left by runs that died before cleaning up (their pid is gone). */
function removeStaleLeftovers(): void {
  for (const line of run('nft', ['list', 'tables']).split('\n')) {
    const m = /^table inet (rtc_netcut_(\d+)(_cut|_degrade)?)$/.exec(line.trim());
    if (m && !alive(Number(m[2]))) spawnSync('nft', ['delete', 'table', 'inet', m[1]!]);
  }
  removeUnusedShaper();
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
  private degraded = false;

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
    loadTable(this.table, { flows: { hook: 'output', priority: -10, rules: [`meta skuid ${this.uid} ct mark set ${this.mark}`] } });
  }

  /** From now on nothing this browser sends leaves, and nothing sent to it on its flows arrives. */
  cutNetwork(): void {
    if (this.cut) return;
    const port = this.controlPort;
    loadTable(`${this.table}_cut`, {
      out: { hook: 'output', rules: [...(port ? [`meta skuid ${this.uid} tcp sport ${port} accept`] : []), `meta skuid ${this.uid} drop`] },
      in: {
        hook: 'input',
        rules: [...(port ? [`tcp dport ${port} accept`, `tcp sport ${port} accept`] : []), `ct mark ${this.mark} drop`],
      },
    });
    this.cut = true;
  }

  restoreNetwork(): void {
    spawnSync('nft', ['delete', 'table', 'inet', `${this.table}_cut`]);
    this.cut = false;
  }

  /**
   * From now on what reaches this browser on its flows (from the other browser, the backend, the
   * TURN server) loses `lossPct` % of its packets and passes at `rateKbit` through a queue of at
   * most `queueMs`; what it sends is untouched. A second call replaces the first's settings.
   * The browser's control port stays clear, so the test keeps driving it at full speed.
   */
  degrade({ lossPct = 0, rateKbit, queueMs = 200 }: Degradation): void {
    this.stopDegrading();
    const arriving = `ct mark ${this.mark} meta skuid != ${this.uid}`;
    const rules: string[] = [];
    if (this.controlPort) rules.push(`tcp sport ${this.controlPort} accept`, `tcp dport ${this.controlPort} accept`);
    if (lossPct > 0) rules.push(`${arriving} numgen random mod 100 < ${Math.round(lossPct)} counter drop`);
    if (rateKbit) {
      this.addShaperClass(rateKbit, queueMs);
      rules.push(`${arriving} counter meta priority set ${shaperClass()}`);
    }
    loadTable(`${this.table}_degrade`, { out: { hook: 'output', rules } });
    this.degraded = true;
  }

  /** The link is as good as before `degrade()`. */
  stopDegrading(): void {
    spawnSync('nft', ['delete', 'table', 'inet', `${this.table}_degrade`]);
    spawnSync('tc', ['class', 'del', 'dev', 'lo', 'classid', shaperClass()]);
    removeUnusedShaper();
    this.degraded = false;
  }

  get isDegraded(): boolean {
    return this.degraded;
  }

  /** This process's htb class on `lo` (the shared qdisc added first if no other run has it). */
  private addShaperClass(rateKbit: number, queueMs: number): void {
    if (!run('tc', ['qdisc', 'show', 'dev', 'lo']).includes(`qdisc htb ${HTB_HANDLE}: root`)) {
      // `default 0`: whatever no rule put in a class leaves unshaped.
      spawnSync('tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'handle', `${HTB_HANDLE}:`, 'htb', 'default', '0']);
    }
    const rate = `${Math.round(rateKbit)}kbit`;
    run('tc', ['class', 'replace', 'dev', 'lo', 'parent', `${HTB_HANDLE}:`, 'classid', shaperClass(), 'htb', 'rate', rate, 'ceil', rate]);
    // Room for a few RTP packets at least. A packet larger than the queue never passes (loopback TCP
    // sends up to 64 KB at once), so a test degrades a call once it is set up.
    const limit = Math.max(3000, Math.round(((rateKbit * 1000) / 8) * (queueMs / 1000)));
    run('tc', ['qdisc', 'replace', 'dev', 'lo', 'parent', shaperClass(), 'bfifo', 'limit', String(limit)]);
  }

  async close(): Promise<void> {
    this.stopDegrading();
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

/** The htb class of this process under the shared qdisc (a minor number of 1–ffff). */
const shaperClass = (): string => `${HTB_HANDLE}:${((process.pid % 0xfffe) + 1).toString(16)}`;

/**
 * Removes the shared htb qdisc from `lo` once no live process degrades a link (no `_degrade`
 * table left): a dead run's class goes with it. Only our own handle is ever touched.
 */
function removeUnusedShaper(): void {
  // spawnSync, not run: without tc (a machine that only cuts) there is nothing to remove.
  if (!(spawnSync('tc', ['qdisc', 'show', 'dev', 'lo'], { encoding: 'utf8' }).stdout ?? '').includes(`qdisc htb ${HTB_HANDLE}: root`))
    return;
  if (/table inet rtc_netcut_\d+_degrade/.test(run('nft', ['list', 'tables']))) return;
  spawnSync('tc', ['qdisc', 'del', 'dev', 'lo', 'root', 'handle', `${HTB_HANDLE}:`]);
}

/** How one browser's link is made poor (see `CutOffBrowser.degrade`). */
export interface Degradation {
  /** Share of the packets reaching the browser that are dropped, 0–100. */
  lossPct?: number;
  /** Rate of what reaches the browser, in kbit/s (unlimited when absent). */
  rateKbit?: number;
  /** Longest wait in the rate's queue, in ms (its size in bytes follows from the rate); 200 by default. */
  queueMs?: number;
}
