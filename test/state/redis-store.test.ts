// The Redis store against a real redis-server: compare-and-set, following other replicas,
// re-seeding an empty Redis, starting without Redis, and failing fast while it is away.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import t, { type Test } from 'tap'
import { Deployment } from '../../src/state/deployment.js'
import { writeStateFile } from '../../src/state/file-store.js'
import { RedisStore, redactUrl } from '../../src/state/redis-store.js'
import { applyChange, initialState } from '../../src/state/transition.js'
import type { DeploymentState } from '../../src/state/types.js'
import { startRedis, type TestRedis } from '../helpers/redis.js'
import { until } from '../helpers/until.js'

const now = new Date('2026-01-01T00:00:00Z')

interface Logged { logs: Array<Record<string, unknown>>, logger: Logger }

function capture (): Logged {
  const logs: Array<Record<string, unknown>> = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>) } })
  return { logs, logger }
}

function store (t: Test, redis: TestRedis, path: string, options: { startOffline?: boolean, historyLimit?: number, pollInterval?: number, logger?: Logger } = {}): RedisStore {
  const s = new RedisStore({
    url: redis.url,
    key: redis.key,
    pollInterval: options.pollInterval ?? 5000,
    startOffline: options.startOffline ?? true,
    path,
    historyLimit: options.historyLimit ?? 100,
    logger: options.logger ?? pino({ level: 'silent' }),
    connectTimeout: 500
  })
  t.teardown(() => s.close())
  return s
}


function switched (state: DeploymentState, to: 'blue' | 'green'): DeploymentState {
  const next = applyChange(state, { kind: 'switch', to, reason: `to ${to}`, by: 'test' }, now, 100)
  if (next === null) throw new Error('no change')
  return next
}

t.test('a switch through one replica reaches the other; the history list follows', async (t) => {
  const redis = await startRedis(t)
  const dir = t.testdir()
  const a = await Deployment.open(store(t, redis, join(dir, 'a.json')), { initial: 'blue', historyLimit: 100 })
  const b = await Deployment.open(store(t, redis, join(dir, 'b.json')), { initial: 'blue', historyLimit: 100 })
  t.equal(b.state.version, 1, 'the second replica found the first one\'s initial state')
  t.ok(await until(() => a.store.synced === true && b.store.synced === true), 'both in sync')

  const changes: string[] = []
  b.on('change', (state, _before, source) => changes.push(`${state.version} ${source}`))
  const result = await a.switchTo('green', { reason: 'ship v2', by: 'operator' })
  t.equal(result.state.version, 2)
  t.ok(await until(() => b.active === 'green'), 'b follows')
  t.same(changes, ['2 adopted'], 'b announced the change once, as another replica\'s')
  t.match(b.state, { active: 'green', previous: 'blue', version: 2, reason: 'ship v2', by: 'operator' })
  t.same(b.state.history.map((e) => e.version), [2, 1])

  const client = await redis.client()
  t.same((await client.lRange(`${redis.key}:history`, 0, -1)).map((e) => (JSON.parse(e) as { version: number }).version), [2, 1])
  t.match(JSON.parse(await client.get(`${redis.key}:state`) ?? '{}'), { active: 'green', version: 2 })
  t.notOk('history' in (JSON.parse(await client.get(`${redis.key}:state`) ?? '{}') as object), 'the state key holds no second copy of the history')

  t.ok(await until(async () => (JSON.parse(await readFile(join(dir, 'b.json'), 'utf8')) as DeploymentState).version === 2), 'b keeps its last-known copy up to date')
  t.match(JSON.parse(await readFile(join(dir, 'a.json'), 'utf8')), { active: 'green', version: 2 }, 'and so does a')
})

t.test('the committing replica announces its own change once, whichever comes first: the answer or the message', async (t) => {
  const redis = await startRedis(t)
  const a = await Deployment.open(store(t, redis, join(t.testdir(), 'a.json')), { initial: 'blue', historyLimit: 100 })
  await until(() => a.store.synced === true)
  const seen: string[] = []
  a.on('change', (state, _before, source) => seen.push(`${state.version} ${source}`))
  for (let i = 0; i < 20; i++) await a.switchTo(i % 2 === 0 ? 'green' : 'blue', { reason: `flip ${i}`, by: 'test' })
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.same(seen, Array.from({ length: 20 }, (_, i) => `${i + 2} local`))
})

t.test('concurrent commits on the same version: exactly one wins, the others conflict', async (t) => {
  const redis = await startRedis(t)
  const dir = t.testdir()
  const stores = [0, 1, 2].map((i) => store(t, redis, join(dir, `${i}.json`)))
  const first = await stores[0]?.load() ?? null
  t.equal(first, null)
  const init = initialState('blue', now)
  await stores[0]?.commit(init, null)
  for (const s of stores.slice(1)) t.same(await s.load(), init)
  const attempts = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => stores[i % 3]?.commit(switched(init, 'green'), 1)))
  t.equal(attempts.filter((a) => a.status === 'fulfilled').length, 1, 'one winner')
  for (const a of attempts) if (a.status === 'rejected') t.match(a.reason, { code: 'SW_ERR_VERSION_CONFLICT', statusCode: 409, message: 'expected state version 1 but it is 2' })
  await t.rejects(stores[1]?.commit(init, null) ?? Promise.resolve(), { code: 'SW_ERR_VERSION_CONFLICT' }, 'an initial state never overwrites a saved one')
})

t.test('the history list is capped at state.historyLimit', async (t) => {
  const redis = await startRedis(t)
  const dir = t.testdir()
  const d = await Deployment.open(store(t, redis, join(dir, 's.json'), { historyLimit: 3 }), { initial: 'blue', historyLimit: 3 })
  for (let i = 0; i < 5; i++) await d.switchTo(i % 2 === 0 ? 'green' : 'blue', { reason: 'r', by: 'test' })
  const client = await redis.client()
  t.equal(await client.lLen(`${redis.key}:history`), 3)
  const fresh = store(t, redis, join(dir, 'other.json'))
  t.same((await fresh.load())?.history.map((e) => e.version), [6, 5, 4])
})

t.test('start-up: an empty Redis is seeded from the last-known state file', async (t) => {
  const redis = await startRedis(t)
  const dir = t.testdir()
  const path = join(dir, 'state.json')
  const saved = switched(switched(initialState('blue', now), 'green'), 'blue')
  await writeStateFile(path, saved)
  const d = await Deployment.open(store(t, redis, path), { initial: 'green', historyLimit: 100 })
  t.match(d.state, { active: 'blue', version: 3 })
  const again = store(t, redis, join(dir, 'fresh.json'))
  t.same(await again.load(), saved, 'Redis holds it, history and all')
})

t.test('start-up: a long history goes back into Redis whole', async (t) => {
  const redis = await startRedis(t)
  const dir = t.testdir()
  const path = join(dir, 'state.json')
  let state = initialState('blue', now)
  for (let i = 0; i < 10_000; i++) {
    const next = applyChange(state, { kind: 'switch', to: state.active === 'blue' ? 'green' : 'blue', reason: `r${i}`, by: 'test' }, now, 10_000)
    if (next === null) throw new Error('no change')
    state = next
  }
  await writeStateFile(path, state)
  const d = await Deployment.open(store(t, redis, path, { historyLimit: 10_000 }), { initial: 'blue', historyLimit: 10_000 })
  t.equal(d.state.version, 10_001)
  const client = await redis.client()
  t.equal(await client.lLen(`${redis.key}:history`), 10_000)
  t.same((await store(t, redis, join(dir, 'other.json')).load())?.history.slice(-2).map((e) => e.version), [3, 2], 'the oldest kept, in order')
})

t.test('start-up: a newer state in Redis wins over the last-known file', async (t) => {
  const redis = await startRedis(t)
  const dir = t.testdir()
  const a = await Deployment.open(store(t, redis, join(dir, 'a.json')), { initial: 'blue', historyLimit: 100 })
  await a.switchTo('green', { reason: 'r', by: 'test' })
  const path = join(dir, 'b.json')
  await writeStateFile(path, initialState('blue', now))
  const b = await Deployment.open(store(t, redis, path), { initial: 'blue', historyLimit: 100 })
  t.match(b.state, { active: 'green', version: 2 })
  t.ok(await until(async () => (JSON.parse(await readFile(path, 'utf8')) as DeploymentState).version === 2), 'the file is brought up to date')
})

t.test('start-up with Redis down: from the last-known file, or a refusal naming the file', async (t) => {
  const redis = await startRedis(t)
  await redis.kill()
  const dir = t.testdir()
  const missing = join(dir, 'missing.json')
  await t.rejects(store(t, redis, missing).load(), {
    code: 'SW_ERR_STATE_OFFLINE',
    message: new RegExp(`^cannot start: Redis at redis://127\\.0\\.0\\.1:${redis.port} is unreachable \\(.*ECONNREFUSED.*\\) and there is no last-known state file at ${missing.replace(/[.]/g, '\\.')} \\(state\\.path\\)`)
  })

  const path = join(dir, 'state.json')
  await writeStateFile(path, switched(initialState('blue', now), 'green'))
  await t.rejects(store(t, redis, path, { startOffline: false }).load(), { code: 'SW_ERR_STATE_OFFLINE', message: /unreachable .* and state\.redis\.startOffline is false/ }, 'startOffline false refuses even with a file')

  await writeFile(join(dir, 'corrupt.json'), '{"active": ')
  await t.rejects(store(t, redis, join(dir, 'corrupt.json')).load(), { code: 'SW_ERR_STATE_CORRUPT', message: /corrupt\.json/ })

  const { logs, logger } = capture()
  const offline = store(t, redis, path, { logger })
  const d = await Deployment.open(offline, { initial: 'blue', historyLimit: 100 })
  t.match(d.state, { active: 'green', version: 2 })
  t.equal(offline.synced, false)
  t.ok(logs.some((l) => l.level === 40 && l.path === path && /starting from the last-known state file/.test(String(l.msg))))
  await t.rejects(d.switchTo('blue', { reason: 'r', by: 'test' }), { code: 'SW_ERR_STATE_UNAVAILABLE', statusCode: 503, message: /Redis at .* is unreachable .*No replica was changed/ })
  t.equal(d.active, 'green', 'nothing changed here either')

  await redis.restart()
  t.ok(await until(() => offline.synced, 10_000), 'in sync once Redis is back')
  const client = await redis.client()
  t.match(JSON.parse(await client.get(`${redis.key}:state`) ?? '{}'), { active: 'green', version: 2 }, 'and the empty Redis was seeded')
  t.equal((await d.switchTo('blue', { reason: 'r', by: 'test' })).state.version, 3)
})

t.test('Redis going away: commits fail fast with 503, synced goes false, then everything recovers by itself', async (t) => {
  const redis = await startRedis(t)
  const dir = t.testdir()
  const { logs, logger } = capture()
  const a = await Deployment.open(store(t, redis, join(dir, 'a.json'), { logger }), { initial: 'blue', historyLimit: 100 })
  const b = await Deployment.open(store(t, redis, join(dir, 'b.json')), { initial: 'blue', historyLimit: 100 })
  await a.switchTo('green', { reason: 'r', by: 'test' })
  t.ok(await until(() => b.active === 'green' && a.store.synced === true && b.store.synced === true))

  await redis.kill()
  t.ok(await until(() => a.store.synced === false && b.store.synced === false), 'both notice')
  const started = performance.now()
  await t.rejects(a.rollback({ reason: 'r', by: 'test' }), { code: 'SW_ERR_STATE_UNAVAILABLE' })
  t.ok(performance.now() - started < 100, 'fails fast')
  t.equal(a.active, 'green')
  t.ok(logs.some((l) => l.level === 40 && /lost the shared state in Redis/.test(String(l.msg))), 'logged once at warn')

  await redis.restart()
  t.ok(await until(() => a.store.synced === true && b.store.synced === true, 10_000), 'both back in sync, Redis re-seeded')
  await b.rollback({ reason: 'after the outage', by: 'test' })
  t.ok(await until(() => a.active === 'blue'), 'and a switch reaches the other replica again')
  t.equal(a.state.version, 3)
  const client = await redis.client()
  t.same((await client.lRange(`${redis.key}:history`, 0, -1)).map((e) => (JSON.parse(e) as { version: number }).version), [3, 2, 1], 'the history came back with the state')
})

t.test('an emptied Redis is re-seeded with the highest version any replica holds', async (t) => {
  const redis = await startRedis(t)
  const dir = t.testdir()
  // No polls here: a poll that ran between the flush and the switch below would put the state
  // back first. The refused change itself sets off the re-seed.
  const a = await Deployment.open(store(t, redis, join(dir, 'a.json'), { pollInterval: 60_000 }), { initial: 'blue', historyLimit: 100 })
  const b = await Deployment.open(store(t, redis, join(dir, 'b.json'), { pollInterval: 60_000 }), { initial: 'blue', historyLimit: 100 })
  await a.switchTo('green', { reason: 'r', by: 'test' })
  t.ok(await until(() => b.state.version === 2))
  const client = await redis.client()
  // A lagging replica's view, as if it had missed a message, then Redis loses everything.
  await client.flushAll()
  await t.rejects(a.switchTo('blue', { reason: 'r', by: 'test' }), { code: 'SW_ERR_STATE_UNAVAILABLE', message: /has lost the shared state \(it holds version 0, this replica 2\) and is being re-seeded\. No replica was changed/ }, 'a change before the state is back is refused, not a 409')
  t.ok(await until(async () => (await client.get(`${redis.key}:state`)) !== null), 'it is put back')
  t.match(JSON.parse(await client.get(`${redis.key}:state`) ?? '{}'), { version: 2, active: 'green' })
  // An older state in Redis (restored from an old snapshot) is replaced by the newer one replicas
  // hold, found by a replica's poll.
  const c = await Deployment.open(store(t, redis, join(dir, 'c.json'), { pollInterval: 100 }), { initial: 'blue', historyLimit: 100 })
  t.equal(c.state.version, 2)
  await client.set(`${redis.key}:state`, JSON.stringify({ ...initialState('blue', now), history: undefined }))
  t.ok(await until(async () => (JSON.parse(await client.get(`${redis.key}:state`) ?? '{}') as DeploymentState).version === 2))
  t.equal(a.active, 'green')
  t.equal(b.active, 'green')
})

t.test('a replica that missed a change catches up; a switch through it without a version still works', async (t) => {
  const redis = await startRedis(t)
  const dir = t.testdir()
  const a = await Deployment.open(store(t, redis, join(dir, 'a.json')), { initial: 'blue', historyLimit: 100 })
  const b = await Deployment.open(store(t, redis, join(dir, 'b.json')), { initial: 'blue', historyLimit: 100 })
  await until(() => b.store.synced === true)
  // A change that b never hears of (written behind the channel's back).
  const client = await redis.client()
  const hidden = switched(a.state, 'green')
  const { history: _history, ...bare } = hidden
  await client.set(`${redis.key}:state`, JSON.stringify(bare))
  await client.lPush(`${redis.key}:history`, JSON.stringify(hidden.history[0]))
  t.equal(b.state.version, 1)
  await t.rejects(b.switchTo('green', { reason: 'r', by: 'test', expectedVersion: 1 }), { code: 'SW_ERR_VERSION_CONFLICT', message: 'expected state version 1 but it is 2' }, 'a named version is checked against Redis')
  t.ok(await until(() => b.state.version === 2), 'and the conflict makes b catch up at once')
  // Two more changes b misses: back to blue, then green again, so b still thinks green is live.
  const v3 = switched(hidden, 'blue')
  const v4 = switched(v3, 'green')
  const { history: _h4, ...bare4 } = v4
  await client.set(`${redis.key}:state`, JSON.stringify(bare4))
  await client.lPush(`${redis.key}:history`, [JSON.stringify(v3.history[0]), JSON.stringify(v4.history[0])])
  const result = await b.switchTo('blue', { reason: 'no version named', by: 'test' })
  t.match(result, { changed: true, state: { version: 5, active: 'blue', previous: 'green' } }, 'caught up on version 4, then switched')
  t.same(result.state.history.map((e) => e.version), [5, 4, 3, 2, 1])
})

t.test('change messages that are not states are ignored', async (t) => {
  const redis = await startRedis(t)
  const { logs, logger } = capture()
  const d = await Deployment.open(store(t, redis, join(t.testdir(), 's.json'), { logger }), { initial: 'blue', historyLimit: 100 })
  await until(() => d.store.synced === true)
  const client = await redis.client()
  await client.publish(`${redis.key}:changes`, '{"active": "purple"}')
  await client.publish(`${redis.key}:changes`, 'not json')
  t.ok(await until(() => logs.filter((l) => l.msg === 'ignored a change message that is not a valid state').length === 2))
  t.equal(d.active, 'blue')
})

t.test('a corrupt state in Redis stops start-up, naming the key', async (t) => {
  const redis = await startRedis(t)
  const client = await redis.client()
  await client.set(`${redis.key}:state`, '{"active": "purple"}')
  await t.rejects(store(t, redis, join(t.testdir(), 's.json')).load(), { code: 'SW_ERR_STATE_CORRUPT', message: new RegExp(`Redis key ${redis.key}:state .* active is not`) })
})

t.test('passwords never reach a message', async (t) => {
  t.equal(redactUrl('redis://user:secret@cache:6379/2'), 'redis://user:***@cache:6379/2')
  t.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379')
  t.equal(redactUrl('::'), '(unparsable URL)')
})
