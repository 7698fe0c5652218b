/** The store contract (test/support/store-contract.ts) on the embedded JSON files. */
import { openJsonCallHistoryStore } from '../../broker/store/json-call-history-store.js';
import { openJsonMessageStore } from '../../broker/store/json-message-store.js';
import { openJsonRevocationStore } from '../../broker/store/json-revocation-store.js';
import { openJsonRoomStore } from '../../broker/store/json-room-store.js';
import { openJsonUserStore } from '../../broker/store/json-user-store.js';
import { storeContract } from '../support/store-contract.js';
import { tempDir } from './support.js';

storeContract({
  name: 'JSON',
  concurrentInstances: false,
  place: (t) => tempDir(t),
  users: (dir) => openJsonUserStore(dir),
  revocations: (dir, now) => openJsonRevocationStore(dir, now),
  // A short poll: the second instance stands for another process.
  rooms: (dir, now) => openJsonRoomStore(dir, { now, pollMs: 20 }),
  history: (dir, options) => openJsonCallHistoryStore(dir, options),
  messages: (dir, now) => openJsonMessageStore(dir, now),
});
