/**
 * Broker child: the real rtc-call backend (HTTP API + Aedes with every hook),
 * configured by the orchestrator through BENCH_BACKEND_CONFIG (JSON overrides).
 */
import type { Config } from '../../broker/config.js';
import { startBackend } from '../../broker/server.js';
import { serveParent } from './broker-child.js';

const overrides = JSON.parse(process.env.BENCH_BACKEND_CONFIG ?? '{}') as Partial<Config>;
const backend = await startBackend({ host: '127.0.0.1', port: 0, logLevel: 'silent', ...overrides });
serveParent(backend.port, () => backend.close());
