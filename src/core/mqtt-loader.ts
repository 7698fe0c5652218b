/**
 * Loading MQTT.js (src/core/mqtt-lean.ts, a chunk of its own) on demand, apart from the signalling
 * client (signaling.ts) so that the sign-in form can start the download before the call engine
 * itself has arrived.
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import { whenIdle } from './idle.js';

export type MqttModule = { connect: (url: string, opts: IClientOptions) => MqttClient };

export function loadMqtt(): Promise<MqttModule> {
  return import('./mqtt-lean.js');
}

/**
 * Fetches MQTT.js while the page has nothing better to do: called once the sign-in form is on
 * screen, so the form's first render never waits for it and the connection after sign-in finds it
 * already loaded (the module is fetched once; the later {@link loadMqtt} gets the same one). A
 * failure here costs nothing: the connection loads it again, and reports the error then.
 */
export function loadMqttWhenIdle(load: () => Promise<unknown> = loadMqtt): void {
  whenIdle(() => void load().catch(() => undefined));
}
