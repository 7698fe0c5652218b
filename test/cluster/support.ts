/**
 * The end-to-end suite (test/e2e/support/suite.ts) on a cluster instead of
 * one backend: three nodes on Redis behind the documented nginx, with one
 * pinned nginx listener per node.
 *
 * Where a page is: the host page loads `/rtc-call.js` through nginx's
 * balanced listener, and its widget's `server` is the pinned listener of the
 * node the test puts it on (`on: 0`), or the balanced one (`on: 'any'`). A
 * pinned listener is the template's server block with that node first and
 * the others as `backup`: the page stays on its node while the node lives,
 * and its reconnection after the node died goes through nginx to a
 * surviving node, as it would for anyone. (Loading the page from the node's
 * own port would pin it too, but its reconnection would then never reach
 * nginx.)
 */
import { after, before } from 'node:test';
import type { TestContext } from 'node:test';
import type { BrowserName } from '../support/browsers.js';
import { E2ESuite, type OpenOptions } from '../e2e/support/suite.js';
import { startHostSite } from '../e2e/support/host-page.js';
import type { Person } from '../e2e/support/person.js';
import { Cluster } from './cluster.js';

/** One cluster test: the cluster's starts and restarts, the calls and the reconnections inside. */
export const CLUSTER_TEST_TIMEOUT = 180_000;

export class ClusterSuite extends E2ESuite {
  cluster!: Cluster;

  constructor(
    browsers: readonly BrowserName[],
    private readonly nodes: 2 | 3 = 3,
  ) {
    super(browsers);
  }

  protected override async startServers(): Promise<void> {
    this.cluster = await Cluster.start({ nodes: this.nodes, pin: true });
    this.site = await startHostSite(this.cluster.origin);
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.cluster?.stop();
  }

  /** Opens a person whose widget talks to node `on` (through its pinned nginx listener), or to any node through the balanced one. */
  openOn(t: TestContext, browser: BrowserName, label: string, on: number | 'any', options: OpenOptions = {}): Promise<Person> {
    const server = on === 'any' ? this.cluster.origin : this.cluster.pinned(on);
    return this.open(t, browser, label, { ...options, attributes: { ...options.attributes, server } });
  }

  /** Registers `a` and `b` (each through its own node) and waits until each sees the other online. */
  async pairOn(t: TestContext, a: [BrowserName, number | 'any'], b: [BrowserName, number | 'any']): Promise<[Person, Person]> {
    const alice = await this.openOn(t, a[0], 'alice', a[1]);
    const bob = await this.openOn(t, b[0], 'bob', b[1]);
    await Promise.all([alice.register(), bob.register()]);
    await Promise.all([alice.peer(bob.name, 20_000), bob.peer(alice.name, 20_000)]);
    return [alice, bob];
  }

  /** Starts every node that is down (a test killed or stopped it), so the next test finds the whole cluster. */
  async healAll(): Promise<void> {
    for (const node of this.cluster.nodes) {
      if (!node.process) await this.cluster.startNode(node.index);
      await this.cluster.healthy(node.index);
    }
  }
}

/** Registers the suite's `before`/`after` in the current `describe` (or file). */
export function clusterSuite(browsers: readonly BrowserName[], nodes: 2 | 3 = 3): ClusterSuite {
  const suite = new ClusterSuite(browsers, nodes);
  before(() => suite.start(), { timeout: 180_000 });
  after(() => suite.stop(), { timeout: 60_000 });
  return suite;
}
