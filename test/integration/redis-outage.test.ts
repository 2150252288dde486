// Redis is never on the request path: killed under steady traffic, every replica keeps serving,
// stays ready and refuses changes with 503; restarted empty, the replicas re-seed it by themselves.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pino } from 'pino'
import t from 'tap'
import { Pool, request } from 'undici'
import { build } from '../../src/app.js'
import { loadConfig } from '../../src/config/load.js'
import { startBlueGreen } from '../helpers/model-server.js'
import { replicaDir, startRedis, startReplica, startReplicas, statePath } from '../helpers/redis.js'
import type { TestSwitchyard } from '../helpers/switchyard.js'
import { until } from '../helpers/until.js'


async function metric (sy: TestSwitchyard, name: string): Promise<string | undefined> {
  const text = await (await request(`${sy.adminUrl}/metrics`)).body.text()
  return new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]
}

async function synced (replicas: TestSwitchyard[], value: '0' | '1'): Promise<boolean> {
  return (await Promise.all(replicas.map((sy) => metric(sy, 'switchyard_state_synced')))).every((v) => v === value)
}

async function versions (replicas: TestSwitchyard[]): Promise<number[]> {
  return Promise.all(replicas.map(async (sy) => (await sy.admin('GET', '/admin/status')).body.version as number))
}

/** Steady traffic through every replica until stopped: counts answers and every failure. */
function traffic (replicas: TestSwitchyard[]): { stop: () => Promise<{ sent: number, failures: string[], colours: Record<string, number> }> } {
  const pools = replicas.map((sy) => new Pool(sy.proxyUrl, { connections: 4 }))
  let running = true
  let sent = 0
  const failures: string[] = []
  const colours: Record<string, number> = {}
  const worker = async (pool: Pool): Promise<void> => {
    while (running) {
      try {
        const res = await pool.request({ method: 'POST', path: '/invocations', headers: { 'content-type': 'application/json' }, body: '{"data": [[6.7, 3.0, 5.2, 2.3]]}', headersTimeout: 5000, bodyTimeout: 5000 })
        await res.body.dump()
        const colour = String(res.headers['x-switchyard-colour'])
        colours[colour] = (colours[colour] ?? 0) + 1
        if (res.statusCode !== 200) failures.push(`${res.statusCode} from ${colour}`)
      } catch (err) {
        failures.push((err as Error).message)
      }
      sent++
    }
  }
  const workers = pools.flatMap((pool) => [worker(pool), worker(pool)])
  return {
    stop: async () => {
      running = false
      await Promise.all(workers)
      await Promise.all(pools.map((pool) => pool.close()))
      return { sent, failures, colours }
    }
  }
}

t.test('Redis killed during steady traffic: zero failed requests, still ready, changes answer 503, then it recovers by itself', async (t) => {
  const redis = await startRedis(t)
  const { blue, green } = await startBlueGreen(t)
  const replicas = await startReplicas(t, redis, 3, { blue: blue.url, green: green.url })
  const [first, second, third] = replicas as [TestSwitchyard, TestSwitchyard, TestSwitchyard]
  t.equal((await first.admin('POST', '/admin/switch', { to: 'green' })).status, 200)
  t.ok(await until(async () => (await versions(replicas)).every((v) => v === 2)))
  t.ok(await until(() => synced(replicas, '1')), 'switchyard_state_synced 1 everywhere')

  const load = traffic(replicas)
  await new Promise((resolve) => setTimeout(resolve, 300))
  await redis.kill()
  t.ok(await until(() => synced(replicas, '0')), 'switchyard_state_synced 0 everywhere')

  for (const sy of replicas) {
    const ready = await sy.admin('GET', '/readyz')
    t.match(ready, { status: 200, body: { ready: true, active: 'green' } }, '/readyz stays ready')
    const started = performance.now()
    const refused = await sy.admin('POST', '/admin/switch', { to: 'blue' })
    t.ok(performance.now() - started < 1000, 'refused fast')
    t.match(refused, {
      status: 503,
      body: { error: 'SW_ERR_STATE_UNAVAILABLE', message: /^the shared state cannot be changed: Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable .*No replica was changed/ }
    })
    t.equal((await sy.admin('POST', '/admin/rollback', { force: true })).status, 503, 'rollbacks too')
    t.equal((await sy.admin('GET', '/admin/status')).body.active, 'green', 'no replica flipped alone')
  }
  await new Promise((resolve) => setTimeout(resolve, 300))
  const during = await load.stop()
  t.same(during.failures, [], `zero failed proxied requests out of ${during.sent}`)
  t.same(Object.keys(during.colours), ['green'], 'all served by green')
  t.ok(second.logs.some((l) => l.level === 40 && /lost the shared state in Redis/.test(String(l.msg))), 'the loss is logged')

  // Redis comes back empty (no persistence): the replicas put the state back, no restart.
  await redis.restart()
  t.ok(await until(() => synced(replicas, '1')), 'in sync again, by themselves')
  const client = await redis.client()
  t.match(JSON.parse(await client.get(`${redis.key}:state`) ?? '{}'), { active: 'green', version: 2 }, 'Redis re-seeded with the newest state')
  t.equal(await client.lLen(`${redis.key}:history`), 2, 'history and all')
  t.ok(third.logs.some((l) => l.msg === 'in sync with the shared state in Redis' && l.version === 2))

  t.match((await third.admin('POST', '/admin/switch', { to: 'blue', reason: 'after the outage' })).body, { active: 'blue', version: 3 })
  t.ok(await until(async () => (await versions(replicas)).every((v) => v === 3)), 'the new switch reaches all three')
  for (const sy of replicas) t.equal((await sy.admin('GET', '/admin/status')).body.active, 'blue')
})

t.test('start-up with Redis down: refused without a last-known file (named), started from one, caught up when Redis returns', async (t) => {
  const redis = await startRedis(t)
  const { blue, green } = await startBlueGreen(t)
  const [first] = await startReplicas(t, redis, 1, { blue: blue.url, green: green.url }) as [TestSwitchyard]
  t.equal((await first.admin('POST', '/admin/switch', { to: 'green' })).status, 200)
  t.ok(await until(async () => (await readFile(first.config.state.path, 'utf8').catch(() => '')).includes('"version": 2')), 'its last-known copy is written')
  await redis.kill()

  const cwd = replicaDir(t)
  const base = ['--upstreams.blue.url', blue.url, '--upstreams.green.url', green.url, '--listen.port', '0', '--admin.port', '0', ...redis.args(statePath(cwd))]
  const logger = pino({ level: 'silent' })
  const noFile = loadConfig({ cwd, env: {}, args: base })
  await t.rejects(build({ config: noFile, logger }), {
    code: 'SW_ERR_STATE_OFFLINE',
    message: new RegExp(`Redis at ${redis.url} is unreachable .* no last-known state file at ${statePath(cwd).replace(/\./g, '\\.')} \\(state\\.path\\)`)
  })

  // The last-known copy another replica left behind: version 2, green.
  await mkdir(join(cwd, 'data'), { recursive: true })
  await copyFile(first.config.state.path, statePath(cwd))
  const strict = loadConfig({ cwd, env: {}, args: [...base, '--state.redis.startOffline', 'false'] })
  await t.rejects(build({ config: strict, logger }), { code: 'SW_ERR_STATE_OFFLINE', message: /state\.redis\.startOffline is false/ })

  const late = await startReplica(t, redis, { blue: blue.url, green: green.url, cwd })
  t.match((await late.admin('GET', '/admin/status')).body, { active: 'green', version: 2, store: 'redis' }, 'started on the last-known colour')
  t.equal(await metric(late, 'switchyard_state_synced'), '0')
  t.equal((await late.admin('POST', '/admin/switch', { to: 'blue' })).status, 503)

  await redis.restart()
  t.ok(await until(() => synced([first, late], '1')), 'both in sync once Redis is back')
  t.equal((await first.admin('POST', '/admin/switch', { to: 'blue' })).status, 200)
  t.ok(await until(async () => (await versions([first, late])).every((v) => v === 3)), 'and following each other')
})

t.test('a corrupt last-known file with Redis up is replaced by the shared state', async (t) => {
  const redis = await startRedis(t)
  const { blue, green } = await startBlueGreen(t)
  const [first] = await startReplicas(t, redis, 1, { blue: blue.url, green: green.url }) as [TestSwitchyard]
  await first.admin('POST', '/admin/switch', { to: 'green' })
  const cwd = replicaDir(t)
  await mkdir(join(cwd, 'data'))
  await writeFile(statePath(cwd), '{"active": ')
  const second = await startReplica(t, redis, { blue: blue.url, green: green.url, cwd })
  t.match((await second.admin('GET', '/admin/status')).body, { active: 'green', version: 2 })
  t.ok(second.logs.some((l) => l.level === 40 && /last-known state file is unusable/.test(String(l.msg))))
  t.ok(await until(async () => (await readFile(statePath(cwd), 'utf8')).includes('"version": 2')), 'and the file is rewritten')
})
