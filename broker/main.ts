#!/usr/bin/env node
/**
 * `npx rtc-call` (the release, compiled to dist/server/broker/main.js) and
 * `npm start` (a clone, from the sources): runs the backend until SIGINT/SIGTERM, then shuts down
 * gracefully (clients disconnected, presence cleared, store flushed) and exits 0.
 */
import { ConfigError } from './config.js';
import { startBackend } from './server.js';
import { checkSiteKeySet } from './site-tokens.js';
import { StoreError } from './store/user-store.js';

async function main(): Promise<void> {
  let backend;
  try {
    backend = await startBackend();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StoreError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  console.log(`rtc-call backend listening on ${backend.origin} (MQTT at ${backend.origin.replace(/^http/, 'ws')}/mqtt)`);
  // Not awaited: a slow or absent key set must not hold up the start, only be reported.
  void checkSiteKeySet(backend.config).then((warning) => warning && console.warn(warning));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    backend.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

await main();
