// How fast a switch made through one replica reaches the others through Redis.
//   node --import tsx bench/redis-propagation.ts [--switches 50] [--replicas 3] [--redis-url redis://host:port]
// Without --redis-url it starts its own redis-server (no persistence) on a free port. The replicas
// run in this process (one event loop, like the integration tests), each with its own state file,
// in front of two trivial upstreams. Switches go round the replicas in turn, with `force` (no
// health probe: the state path is what is measured), one at a time, 20 ms apart. Each replica's
// 'change' event is the moment it serves the new colour (/admin/status reads the same state).
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { pino } from 'pino'
import { createClient } from 'redis'
import { request } from 'undici'
import { loadConfig } from '../src/config/load.js'
import { start, type Running } from '../src/main.js'
import { startRedis } from '../test/helpers/redis.js'
import { quantile } from './lib/stats.js'

const { values } = parseArgs({
  options: {
    switches: { type: 'string', default: '50' },
    replicas: { type: 'string', default: '3' },
    'redis-url': { type: 'string' }
  }
})
const SWITCHES = Number(values.switches)
const REPLICAS = Number(values.replicas)

const teardowns: Array<() => unknown> = []
const host = { teardown: (fn: () => unknown) => { teardowns.unshift(fn) } }

async function upstream (): Promise<string> {
  const server: Server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok') })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  host.teardown(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function main (): Promise<void> {
  let url = values['redis-url']
  const key = `switchyard-bench-${process.pid}`
  if (url === undefined) url = (await startRedis(host, { key })).url
  const info = createClient({ url })
  await info.connect()
  const redisVersion = /redis_version:(\S+)/.exec(await info.info('server'))?.[1] ?? 'unknown'
  host.teardown(async () => {
    await info.del([`${key}:state`, `${key}:history`])
    info.destroy()
  })

  const [blue, green] = [await upstream(), await upstream()]
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'))
  host.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const logger = pino({ level: 'warn' })
  const replicas: Running[] = []
  for (let i = 0; i < REPLICAS; i++) {
    const config = loadConfig({
      cwd: dir,
      env: {},
      args: [
        '--listen.host', '127.0.0.1', '--listen.port', '0', '--admin.port', '0',
        '--upstreams.blue.url', blue, '--upstreams.green.url', green,
        '--health.interval', '1s', '--health.timeout', '500ms',
        '--rollback.bake', '0',
        '--state.store', 'redis', '--state.redis.url', url, '--state.redis.key', key,
        '--state.path', join(dir, `replica-${i}`, 'state.json')
      ]
    })
    const running = await start(config, logger)
    host.teardown(() => running.stop())
    replicas.push(running)
  }

  const answered: number[] = []
  const allApplied: number[] = []
  const afterCommitter: number[] = []
  for (let i = 0; i < SWITCHES; i++) {
    const through = replicas[i % REPLICAS] as Running
    const version = through.app.deployment.state.version + 1
    const to = through.app.deployment.active === 'blue' ? 'green' : 'blue'
    const applied = replicas.map((replica) => new Promise<number>((resolve) => {
      const onChange = (state: { version: number }): void => {
        if (state.version < version) return
        replica.app.deployment.off('change', onChange)
        resolve(performance.now())
      }
      replica.app.deployment.on('change', onChange)
    }))
    const sent = performance.now()
    const res = await request(`${through.adminUrl}/admin/switch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to, force: true, reason: `bench ${i}`, expectedVersion: version - 1 })
    })
    const body = await res.body.text()
    if (res.statusCode !== 200) throw new Error(`switch ${i} answered ${res.statusCode}: ${body}`)
    answered.push(performance.now() - sent)
    const times = await Promise.all(applied)
    const own = times[i % REPLICAS] as number
    allApplied.push(Math.max(...times) - sent)
    afterCommitter.push(Math.max(0, Math.max(...times) - own))
    for (const replica of replicas) {
      const status = await request(`${replica.adminUrl}/admin/status`)
      const reported = (await status.body.json() as { version: number }).version
      if (reported !== version) throw new Error(`a replica reports version ${reported}, not ${version}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }

  const row = (name: string, samples: number[]): string =>
    `| ${name} | ${quantile(samples, 0.5).toFixed(2)} | ${quantile(samples, 0.9).toFixed(2)} | ${Math.max(...samples).toFixed(2)} |`
  console.log(`${SWITCHES} switches through ${REPLICAS} replicas in one process; Redis ${redisVersion} on ${new URL(url).host}; Node ${process.version}; ${availableParallelism()} x ${cpus()[0]?.model ?? 'unknown CPU'}; load average ${loadavg()[0]?.toFixed(2) ?? '?'}`)
  console.log('')
  console.log('| ms | median | p90 | max |')
  console.log('|---|---|---|---|')
  console.log(row('switch answered (POST /admin/switch sent -> 200)', answered))
  console.log(row(`all ${REPLICAS} replicas serve the new colour (request sent -> last replica applied)`, allApplied))
  console.log(row('the others after the replica that made it (its change -> last replica applied)', afterCommitter))
}

try {
  await main()
} finally {
  for (const fn of teardowns) await fn()
}
