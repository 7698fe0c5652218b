/**
 * The messages of one call from its peer, in the order they came (the call's inbound queue):
 * ringing, accept, reject, cancel, hangup, media state, and the offer, answer and candidates
 * of its link. The callee's tabs decide which accept and which answer count (callee-tabs.ts).
 */
import type { InboxRoute } from '../routing.js';
import type { Call, CallLink } from './call.js';
import { texts } from '../texts.js';

export type RoutedCallMessage = Extract<InboxRoute, { action: 'call' }>['message'];

export interface CallMessageDeps {
  /** How many tabs of `userId` are signed in. */
  tabsOf(userId: string): number;
  render(call: Call): void;
  sendMediaState(call: Call): void;
  /** Caller: a new link in place of the failed one (call-link.ts). */
  replaceLink(call: Call): void;
  /** Callee: the caller's offer is for a new link: ours goes, the new one is made (call-link.ts). */
  takeNewLink(call: Call, generation: number): Promise<CallLink | null>;
}

export async function onCallMessage(call: Call, message: RoutedCallMessage, deps: CallMessageDeps): Promise<void> {
  if (!call.isLive) return;
  const tabs = call.calleeTabs;
  switch (message.type) {
    case 'ringing':
      tabs?.ringing(message.sid);
      return;
    case 'accept': {
      if (!tabs) return;
      if (tabs.peerSid !== null) {
        // Two callee tabs accepted at once: follow the winner while no answer is applied (callee-tabs.ts).
        tabs.accept(message.sid, call.machine.phase === 'connecting');
        return;
      }
      if (!call.machine.send({ type: 'accept' })) return;
      tabs.accept(message.sid, true);
      call.answered = true;
      deps.sendMediaState(call);
      return;
    }
    case 'reject': {
      if (!tabs || call.machine.phase !== 'ringing') return;
      if (message.reason === 'declined') call.machine.send({ type: 'reject', reason: 'declined' });
      // The backend declined for a callee with do-not-disturb on: every tab of theirs, at once (PROTOCOL.md §7).
      else if (message.dnd) call.machine.send({ type: 'reject', reason: 'busy', message: texts.ui.callHistory.busyDnd(call.peer.name) });
      // Busy or unavailable in one tab: another tab of the callee may still ring.
      else if (tabs.refused(message.sid, deps.tabsOf(call.peer.id))) {
        call.machine.send({ type: 'reject', reason: message.reason });
      }
      return;
    }
    case 'cancel':
      call.machine.send({ type: 'remote-cancel' });
      return;
    case 'hangup':
      call.machine.send({ type: 'remote-hangup' });
      return;
    case 'link-failed': {
      // The callee's side of our current link failed where ours may look fine (PROTOCOL.md §3): only we make
      // offers. About an older link: the new one is on its way already.
      if (call.direction !== 'outgoing' || call.machine.phase !== 'connected' || (message.link ?? 0) !== call.linkGeneration) return;
      if (message.dtls) return deps.replaceLink(call);
      await call.link?.restartIceNow(true).catch(() => {
        // A rollback refused mid-negotiation: the restart under way goes on.
      });
      return;
    }
    case 'media-state':
      call.remote = { audio: message.audio, video: message.video, screen: message.screen };
      deps.render(call);
      return;
    case 'offer': {
      if (call.direction !== 'incoming') return;
      const generation = message.link ?? 0;
      // An offer of a link already replaced; or of a new link, in place of the one that failed.
      if (generation < call.linkGeneration || (generation > call.linkGeneration && call.machine.phase !== 'connected')) return;
      const link = generation > call.linkGeneration ? await deps.takeNewLink(call, generation) : await call.linkReady;
      // While ringing only prepare: nothing is sent before this tab accepts (another tab may take the call).
      if (call.machine.phase === 'ringing') {
        await link?.applyOffer(message.sdp);
        await link?.prepareAnswer();
      } else await link?.handleOffer(message.sdp);
      return;
    }
    case 'answer': {
      if (!tabs || (message.link ?? 0) !== call.linkGeneration) return;
      const wait = tabs.answerDelay(deps.tabsOf(call.peer.id));
      if (wait <= 0) return applyAnswer(call, message.sdp);
      // Held, not awaited: the inbound queue must stay free for a winning tab's accept and answer.
      tabs.hold(message.sid, message.sdp);
      if (call.timers.has('answer')) return;
      call.timers.set(
        'answer',
        () => {
          const sdp = tabs.takeHeld();
          if (sdp !== null && call.isLive) call.inQueue(() => applyAnswer(call, sdp));
        },
        wait,
      );
      return;
    }
    case 'candidate': {
      if ((message.link ?? 0) !== call.linkGeneration) return;
      const link = await call.linkReady;
      await link?.addRemoteCandidate(message.candidate);
      return;
    }
  }
}

async function applyAnswer(call: Call, sdp: string): Promise<void> {
  call.calleeTabs?.markApplied();
  const link = await call.linkReady;
  await link?.acceptAnswer(sdp);
}
