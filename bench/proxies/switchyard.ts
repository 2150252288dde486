// switchyard itself, as `switchyard serve` would run it but with the config given here: both
// colours on the bench's one upstream process, on its two listeners (blue takes the traffic;
// green is only probed), state in memory, per-request logging off (the default), pino at warn.
//   node --import tsx bench/proxies/switchyard.ts --upstream http://127.0.0.1:PORT1 --green http://127.0.0.1:PORT2
import { pino } from 'pino'
import { loadConfig } from '../../src/config/load.js'
import { start } from '../../src/main.js'
import { arg, serveChild } from '../lib/child.js'

// The bin runs the CLI, which imports start() from main.js: load what it loads, as serve does.
await import('../../src/cli/main.js')

const upstream = arg('upstream')
const green = arg('green')
const config = loadConfig({
  env: {},
  args: [
    '--upstreams.blue.url', upstream,
    '--upstreams.green.url', green,
    '--active', 'blue',
    '--state.store', 'memory',
    '--listen.host', '127.0.0.1',
    '--listen.port', '0',
    '--admin.port', '0',
    '--log.requests', 'false'
  ]
})
const running = await start(config, pino({ level: 'warn' }))
serveChild(running.proxyUrl, async () => {
  // Keep-alive clients (the load generator is gone by now) must not hold the close up.
  running.app.proxy.server.closeAllConnections()
  await running.stop()
})
