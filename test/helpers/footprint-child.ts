// Loads the CLI and starts switchyard as `switchyard serve` would (memory store, no webhooks, no
// registry), sends one request through it with node:http (so this process loads nothing of its
// own from undici), then prints the package files it has loaded, as JSON, and stops.
import { createRequire } from 'node:module'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { loadConfig } from '../../src/config/load.js'
import { start } from '../../src/main.js'

// What `switchyard serve` loads before it gets to start(): the bin runs the CLI.
await import('../../src/cli/main.js')

const upstreams = ['blue', 'green'].map(() => createServer((req, res) => {
  req.resume()
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"predictions":[0]}') })
}))
const [blue, green] = await Promise.all(upstreams.map(async (server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}))
const config = loadConfig({
  env: {},
  args: ['--upstreams.blue.url', blue, '--upstreams.green.url', green, '--active', 'blue', '--state.store', 'memory', '--listen.port', '0', '--admin.port', '0']
})
const running = await start(config, pino({ level: 'warn' }))
const status = await new Promise<number>((resolve, reject) => {
  const req = request(`${running.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
    res.resume()
    res.on('end', () => resolve(res.statusCode as number))
  })
  req.on('error', reject)
  req.end('{"inputs":[[1,2,3,4]]}')
})
// The request API on undici's pools (health probes, smoke tests) is wired by src/undici.ts alone.
const probe = await running.app.upstreams.blue.pool.request({ method: 'GET', path: '/' })
await probe.body.dump()
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes('/node_modules/'))
process.stdout.write(JSON.stringify({ status, probe: probe.statusCode, loaded }))
await running.stop()
for (const server of upstreams) server.close()
