// What loadConfig() says is wrong with a config, one problem a line.
import { CONFIG_INVALID } from '../../src/errors.js'
import { loadConfig, type LoadOptions } from '../../src/config/load.js'

/** Upstream URLs for a config that is otherwise whatever the test gives. */
export const URLS = {
  SWITCHYARD_UPSTREAMS_BLUE_URL: 'http://127.0.0.1:9001',
  SWITCHYARD_UPSTREAMS_GREEN_URL: 'http://127.0.0.1:9002'
}

export function problemsOf (options: LoadOptions): string[] {
  try {
    loadConfig(options)
  } catch (err) {
    if (CONFIG_INVALID.is(err)) return err.message.split('\n').slice(1)
    throw err
  }
  throw new Error('expected CONFIG_INVALID')
}
