/**
 * `npm run turn`: coturn with the backend's own configuration (TURN_SECRET,
 * TURN_URLS), so both always agree on the secret and the port. The launcher
 * itself is the testing kit's (testing/turn.ts), shared with the tests.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_REALM, DEFAULT_TURN_PORT, startTurnServer, type TurnServerOptions } from '../testing/turn.js';

const USAGE = `Usage: npm run turn -- [options]

Starts coturn with the backend's TURN configuration (TURN_SECRET, TURN_URLS).

  --port <n>          listening port (default: the port of the first TURN_URLS entry, else ${DEFAULT_TURN_PORT})
  --listening-ip <ip> address to listen on (default 127.0.0.1)
  --relay-ip <ip>     address relay sockets use (default: the listening address)
  --external-ip <ip>  public address when behind 1:1 NAT (cloud VMs)
  --min-port <n>      lowest relay port (default 49152)
  --max-port <n>      highest relay port (default 65535)
  --realm <name>      TURN realm (default ${DEFAULT_REALM})
  -h, --help          this text`;

function portFromTurnUrls(urls: string[]): number | undefined {
  for (const url of urls) {
    // turn:host:port?transport=udp, with the host possibly an [IPv6] literal.
    const match = /^turns?:(?:\[[^\]]+\]|[^:?]+):(\d+)/i.exec(url);
    if (match) return Number(match[1]);
  }
  return undefined;
}

function wholeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`--${name}: expected a whole number, got "${value}"`);
  return Number(value);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'listening-ip': { type: 'string' },
      'relay-ip': { type: 'string' },
      'external-ip': { type: 'string' },
      'min-port': { type: 'string' },
      'max-port': { type: 'string' },
      realm: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // The backend's configuration module, so the secret and URLs are validated exactly as the backend does.
  const { loadConfig } = await import('../broker/config.js');
  const config = loadConfig();
  if (!config.turnSecret) {
    throw new Error(
      'TURN_SECRET is not set. Give coturn and the backend the same secret, e.g.\n' +
        '  export TURN_SECRET=$(openssl rand -hex 32) TURN_URLS=turn:127.0.0.1:3478?transport=udp\n' +
        '  npm run turn   # and, in another terminal with the same variables, npm start',
    );
  }
  const options: TurnServerOptions = {
    secret: config.turnSecret,
    port: wholeNumber('port', values.port) ?? portFromTurnUrls(config.turnUrls) ?? DEFAULT_TURN_PORT,
    onLog: (line) => console.log(line),
  };
  if (values['listening-ip']) options.listeningIp = values['listening-ip'];
  if (values['relay-ip']) options.relayIp = values['relay-ip'];
  if (values['external-ip']) options.externalIp = values['external-ip'];
  if (values.realm) options.realm = values.realm;
  const minPort = wholeNumber('min-port', values['min-port']);
  const maxPort = wholeNumber('max-port', values['max-port']);
  if (minPort !== undefined) options.minPort = minPort;
  if (maxPort !== undefined) options.maxPort = maxPort;

  const server = await startTurnServer(options);
  console.log(`\ncoturn (pid ${server.pid}) is answering on ${server.host}:${server.port}.`);
  if (config.turnUrls.length === 0) {
    console.log(`Start the backend with the same TURN_SECRET and TURN_URLS=${server.urls.join(',')}`);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping coturn`);
    server.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  void server.exited.then((reason) => {
    if (stopping) return;
    console.error(reason);
    process.exit(1);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
