import type { Config } from '../config/schema.js'
import { FileStore } from './file-store.js'
import { MemoryStore } from './memory-store.js'
import type { StateStore } from './types.js'

export function openStore (config: Config['state']): StateStore {
  if (config.store === 'redis') throw new Error('state.store "redis" is not built yet')
  return config.store === 'memory' ? new MemoryStore() : new FileStore(config.path)
}
