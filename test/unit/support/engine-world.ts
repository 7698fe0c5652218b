/**
 * Several tabs of several people, each with the real `Calls` part, joined by a fake broker that
 * holds every published message until the test delivers it. Each tab's messages stay in the
 * order it published them (as MQTT keeps them); the test picks which tab's next message goes
 * next, so it can play any interleaving.
 */
import { Calls } from '../../../src/core/call/calls.js';
import type { CallLinkOptions } from '../../../src/core/call/call.js';
import type { IceConfig } from '../../../src/core/ice-config.js';
import { routeInbox } from '../../../src/core/routing.js';
import type { InboxMessage, Presence } from '../../../src/protocol/index.js';
import { FakeClock, FakeDevices, FakeLink, FakeOutbox, makeStore, settle } from './engine-fakes.js';

const ICE: IceConfig = {
  servers: [{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'c' }],
  policy: 'all',
  fetchedAt: 0,
  ttl: 3600,
};

export class Tab {
  readonly outbox: FakeOutbox;
  readonly devices = new FakeDevices();
  readonly links: FakeLink[] = [];
  readonly calls: Calls;
  readonly state: ReturnType<typeof makeStore>;
  /** Published, not yet delivered: [to, message]. */
  readonly queue: { to: string; message: InboxMessage }[] = [];

  constructor(
    readonly world: World,
    readonly user: { id: string; name: string },
    readonly sid: string,
    options: { previewOnRing?: boolean; video?: boolean } = {},
  ) {
    this.state = makeStore({ user: { ...user, email: `${user.id}@example.test` }, connection: 'online' });
    this.outbox = new FakeOutbox(sid);
    this.outbox.onSend = ({ to, message }) => this.queue.push({ to, message });
    this.calls = new Calls({
      store: this.state.store,
      outbox: this.outbox,
      clock: world.clock,
      presence: { get: (id) => world.presence(id), tabsOf: (id) => world.presence(id)?.sessions ?? 1 },
      ice: { forCall: () => Promise.resolve(ICE), forget: () => {} },
      devices: this.devices,
      createLink: (o: CallLinkOptions) => {
        const link = new FakeLink(o, sid);
        this.links.push(link);
        return link;
      },
      phaseChanged: () => {},
      options: { video: options.video ?? true, previewOnRing: options.previewOnRing ?? false },
    });
  }

  get call() {
    return this.calls.call;
  }

  get phase() {
    return this.calls.call?.machine.phase ?? null;
  }

  /** The link of the current call. */
  get link(): FakeLink {
    const link = this.calls.call?.link;
    if (!link) throw new Error(`${this.sid} has no link`);
    return link as FakeLink;
  }

  /** A message from user `from` reached this tab. */
  receive(from: string, message: InboxMessage): void {
    const decision = routeInbox(this.user.id, this.sid, this.calls.routeContext(), from, message);
    if (decision.action !== 'ignore' && decision.action !== 'chat') this.calls.onInbox(decision);
  }
}

export class World {
  readonly clock = new FakeClock();
  readonly tabs: Tab[] = [];
  private readonly offline = new Set<string>();

  tab(user: { id: string; name: string }, sid: string, options?: ConstructorParameters<typeof Tab>[3]): Tab {
    const tab = new Tab(this, user, sid, options);
    this.tabs.push(tab);
    return tab;
  }

  presence(userId: string): Presence | undefined {
    const tabs = this.tabs.filter((t) => t.user.id === userId);
    if (tabs.length === 0 || this.offline.has(userId)) return undefined;
    return { id: userId, name: tabs[0]!.user.name, status: 'available', sessions: tabs.length };
  }

  setOnline(userId: string, online: boolean): void {
    if (online) this.offline.delete(userId);
    else this.offline.add(userId);
  }

  /** Delivers `tab`'s oldest undelivered message to every tab of its addressee; false when none is waiting. */
  async deliverFrom(tab: Tab): Promise<boolean> {
    const next = tab.queue.shift();
    if (!next) return false;
    for (const t of this.tabs) if (t.user.id === next.to) t.receive(tab.user.id, next.message);
    await settle();
    return true;
  }

  /** Delivers everything waiting (new messages too), one tab after the other in turn. */
  async drain(): Promise<void> {
    for (let busy = true; busy;) {
      busy = false;
      for (const t of this.tabs) if (await this.deliverFrom(t)) busy = true;
    }
  }

  /** Tabs with a message waiting. */
  waiting(): Tab[] {
    return this.tabs.filter((t) => t.queue.length > 0);
  }
}
