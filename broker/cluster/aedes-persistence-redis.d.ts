/** aedes-persistence-redis 11 ships no types: the factory as cluster.ts uses it. */
declare module 'aedes-persistence-redis' {
  /** `conn`: an ioredis client of the caller's (its keyPrefix applies to every key). */
  export default function aedesPersistenceRedis(options: { conn?: unknown }): unknown;
}
