// Canary weight, shadow percent and progressive switches are part of the shared state: set
// through one replica, they hold for every replica; a walk is taken by the replica that started
// it, the others show it, can abort it, and end it if that replica stops taking steps.
import t, { type Test } from 'tap'
import { Pool } from 'undici'
import { startBlueGreen, type ModelServer } from '../helpers/model-server.js'
import { startRedis, startReplicas, type TestRedis } from '../helpers/redis.js'
import type { TestSwitchyard } from '../helpers/switchyard.js'
import { until } from '../helpers/until.js'

async function setup (t: Test): Promise<{ a: TestSwitchyard, b: TestSwitchyard, green: ModelServer, redis: TestRedis }> {
  const redis = await startRedis(t)
  const { blue, green } = await startBlueGreen(t)
  const [a, b] = await startReplicas(t, redis, 2, { blue: blue.url, green: green.url }) as [TestSwitchyard, TestSwitchyard]
  return { a, b, green, redis }
}

async function predict (pool: Pool, n: number): Promise<string[]> {
  const colours: string[] = []
  for (let i = 0; i < n; i++) {
    const res = await pool.request({ method: 'POST', path: '/invocations', headers: { 'content-type': 'application/json' }, body: '{"data": [[5.1, 3.5, 1.4, 0.2]]}' })
    await res.body.dump()
    colours.push(String(res.headers['x-switchyard-colour']))
  }
  return colours
}

t.test('a canary weight and a shadow percent set through one replica hold for all, without history entries', async (t) => {
  const { a, b } = await setup(t)
  t.equal((await a.admin('POST', '/admin/canary', { weight: 30 })).status, 200)
  t.ok(await until(() => b.app.canary.weight === 30), 'b sends 30% to the standby too')
  t.match((await b.admin('GET', '/admin/canary')).body, { weight: 30, standby: 'green', progress: null })
  t.equal((await b.admin('POST', '/admin/shadow', { percent: 100 })).status, 200)
  t.ok(await until(() => a.app.shadow.percent === 100), 'a mirrors every request too')

  // Traffic through a alone: its canary share reaches green and its mirrors are compared.
  const pool = new Pool(a.proxyUrl, { connections: 2 })
  t.teardown(() => pool.close())
  const colours = await predict(pool, 200)
  const onGreen = colours.filter((c) => c === 'green').length
  t.ok(onGreen > 20 && onGreen < 120, `${onGreen} of 200 on green at weight 30`)
  t.ok(await until(() => a.app.shadow.compared > 0), 'a compared mirrored answers')
  t.equal(b.app.shadow.mirrored, 0, 'b saw no traffic: the evidence is per replica')

  for (const sy of [a, b]) t.match((await sy.admin('GET', '/admin/history')).body, { total: 1, entries: [{ kind: 'init' }] }, 'settings add no history entry')
  t.match((await a.admin('GET', '/admin/status')).body, { active: 'blue', version: 3 })

  // A switch ends the canary everywhere; the shadow percent stays.
  t.equal((await b.admin('POST', '/admin/switch', { to: 'green', force: true })).status, 200)
  t.ok(await until(() => a.app.deployment.active === 'green' && a.app.canary.weight === 0 && b.app.canary.weight === 0), 'weight 0 on both')
  t.equal(a.app.shadow.percent, 100)
})

t.test('a progressive switch is walked by the replica that started it; another one shows it and can abort it', async (t) => {
  const { a, b } = await setup(t)
  const started = await a.admin('POST', '/admin/switch', { to: 'green', steps: [10, 50, 100], stepInterval: '1m', reason: 'v2 in steps' })
  t.equal(started.status, 202)
  t.ok(await until(() => b.app.canary.weight === 10), 'b follows the first step')
  t.match((await b.admin('GET', '/admin/status')).body, { canary: { weight: 10, progress: { to: 'green', step: 0, weight: 10, walkedHere: false, owner: a.app.canary.id } } })
  t.match((await a.admin('GET', '/admin/canary')).body, { progress: { walkedHere: true } })
  const busy = await b.admin('POST', '/admin/canary', { weight: 5 })
  t.equal(busy.status, 409, 'b knows the walk owns the weight')
  t.match(busy.body, { error: 'SW_ERR_PROGRESSION_RUNNING' })

  const aborted = await b.admin('POST', '/admin/abort', { reason: 'green looks off' })
  t.match(aborted.body, { aborted: true, outcome: { to: 'green', completed: false, reason: 'aborted: green looks off' } })
  t.ok(await until(() => a.app.canary.progress === null && a.app.canary.weight === 0), 'a stops walking')
  t.match(a.app.canary.lastOutcome, { completed: false, reason: 'aborted: green looks off' })

  // Walked by b this time, to the end: both end on green, with the outcome.
  t.equal((await b.admin('POST', '/admin/switch', { to: 'green', steps: [20, 100], stepInterval: '300ms' })).status, 202)
  t.ok(await until(() => a.app.deployment.active === 'green' && b.app.deployment.active === 'green'), 'switched on both')
  for (const sy of [a, b]) {
    t.match((await sy.admin('GET', '/admin/status')).body, { active: 'green', by: 'progressive', canary: { weight: 0, progress: null, lastOutcome: { to: 'green', completed: true } } })
  }
  t.match((await a.admin('GET', '/admin/history')).body, { total: 2, entries: [{ kind: 'switch', by: 'progressive' }, { kind: 'init' }] }, 'one switch in the history')
})

t.test('a progressive switch whose replica stopped is ended by another one, back to weight 0', async (t) => {
  const { a, b } = await setup(t)
  t.equal((await a.admin('POST', '/admin/switch', { to: 'green', steps: [20, 50, 100], stepInterval: '500ms' })).status, 202)
  t.ok(await until(() => b.app.canary.weight === 20))
  await a.stop()
  // The step was due 500 ms after the start; b waits a grace of 5 s past it.
  t.ok(await until(() => b.app.canary.progress === null, 15_000), 'b ended it')
  t.equal(b.app.canary.weight, 0)
  t.match(b.app.canary.lastOutcome, { to: 'green', completed: false, reason: /aborted: the replica walking it \(.+\) took no step after / })
  t.equal(b.app.deployment.active, 'blue', 'nothing was switched')
})

t.test('the guard of one replica ends the canary for all', async (t) => {
  const { a, b, green } = await setup(t)
  green.setFault({ status: 500 })
  t.equal((await a.admin('POST', '/admin/canary', { weight: 50 })).status, 200)
  t.ok(await until(() => b.app.canary.weight === 50))
  // Traffic through b only: b's guard sees green fail and trips.
  const pool = new Pool(b.proxyUrl, { connections: 2 })
  t.teardown(() => pool.close())
  const answers = await predict(pool, 40)
  t.ok(answers.length === 40)
  t.ok(await until(() => a.app.canary.weight === 0 && b.app.canary.weight === 0), 'weight 0 on both')
  t.equal(a.app.deployment.traffic.canaryWeight, 0, 'and in the shared state')
})

t.test('a guard trip while Redis is down holds the weight at 0 on that replica, and is saved once Redis is back', async (t) => {
  const { a, b, green, redis } = await setup(t)
  t.equal((await a.admin('POST', '/admin/canary', { weight: 50 })).status, 200)
  t.ok(await until(() => b.app.canary.weight === 50))
  green.setFault({ status: 500 })
  await redis.kill()
  const pool = new Pool(a.proxyUrl, { connections: 2 })
  t.teardown(() => pool.close())
  await predict(pool, 40)
  t.ok(await until(() => a.app.canary.weight === 0), 'a tripped and sends green nothing')
  t.equal(a.app.deployment.traffic.canaryWeight, 50, 'the end is not saved yet')
  t.same([...new Set(await predict(pool, 30))], ['blue'], 'and holds at 0 meanwhile')
  await redis.restart()
  t.ok(await until(() => b.app.canary.weight === 0, 15_000), 'once Redis is back, b follows')
  t.equal(a.app.deployment.traffic.canaryWeight, 0)
  t.equal(a.app.canary.weight, 0)
})

t.test('an abort while Redis is down stops the canary on the replica asked at once (202), and on all once Redis is back', async (t) => {
  const { a, b, redis } = await setup(t)
  t.equal((await a.admin('POST', '/admin/switch', { to: 'green', steps: [40, 100], stepInterval: '1m' })).status, 202)
  t.ok(await until(() => b.app.canary.weight === 40))
  await redis.kill()
  const aborted = await a.admin('POST', '/admin/abort', { reason: 'pager went off' })
  t.equal(aborted.status, 202)
  t.match(aborted.body, { aborted: true, saved: false, outcome: { to: 'green', completed: false, reason: 'aborted: pager went off' }, message: /state store is unreachable/, weight: 0 })
  t.equal(a.app.canary.weight, 0, 'a sends green nothing')
  t.equal(b.app.canary.weight, 40, 'b cannot know yet')
  await redis.restart()
  t.ok(await until(() => b.app.canary.weight === 0 && b.app.canary.progress === null, 15_000), 'b follows once Redis is back')
  t.match(b.app.canary.lastOutcome, { completed: false, reason: 'aborted: pager went off' })
  t.equal(a.app.deployment.active, 'blue')
})
