import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import { FileStore } from './file-store.js'
import { MemoryStore } from './memory-store.js'
import { RedisStore } from './redis-store.js'
import type { StateStore } from './types.js'

export function openStore (config: Config['state'], logger: Logger): StateStore {
  if (config.store === 'redis') {
    const { url, key, pollInterval, startOffline } = config.redis
    return new RedisStore({ url, key, pollInterval, startOffline, path: config.path, historyLimit: config.historyLimit, logger })
  }
  return config.store === 'memory' ? new MemoryStore() : new FileStore(config.path)
}
