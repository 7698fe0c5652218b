// Types of scripts/mqtt-lean.mjs for the TypeScript tests that import it (test/turn/support.ts).
import type { Plugin } from 'rollup';

export declare const BROWSER_RESOLVE: { browser: boolean; exportConditions: string[]; preferBuiltins: boolean };
export declare function mqttLean(): Plugin;
export declare function bundleForBrowser(entry: string, options?: { root?: string }): Promise<string>;
export declare function mqttLeanForTests(): { name: string; serverStart(): Promise<void>; serve(context: { path: string }): unknown };
