import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import { FileStore } from './file-store.js'
import { MemoryStore } from './memory-store.js'
import type { StateStore } from './types.js'

export async function openStore (config: Config['state'], logger: Logger): Promise<StateStore> {
  if (config.store === 'redis') {
    // Loaded only when asked for: the Redis client adds ~20 MB to a process that never uses it.
    const { RedisStore } = await import('./redis-store.js')
    const { url, key, pollInterval, startOffline } = config.redis
    return new RedisStore({ url, key, pollInterval, startOffline, path: config.path, historyLimit: config.historyLimit, logger })
  }
  return config.store === 'memory' ? new MemoryStore() : new FileStore(config.path)
}
