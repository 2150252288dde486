// Three replicas sharing their state through a real redis-server: a switch through one is seen by
// all, concurrent switches on one version have one winner, a restarted replica comes up current.
import t from 'tap'
import { request } from 'undici'
import { startBlueGreen } from '../helpers/model-server.js'
import { replicaDir, startRedis, startReplica, startReplicas } from '../helpers/redis.js'
import type { TestSwitchyard } from '../helpers/switchyard.js'
import { until } from '../helpers/until.js'


async function versions (replicas: TestSwitchyard[]): Promise<number[]> {
  return Promise.all(replicas.map(async (sy) => (await sy.admin('GET', '/admin/status')).body.version as number))
}

async function colourServed (sy: TestSwitchyard): Promise<string> {
  const res = await request(`${sy.proxyUrl}/version`, { headersTimeout: 5000, bodyTimeout: 5000 })
  await res.body.dump()
  return String(res.headers['x-switchyard-colour'])
}

async function metric (sy: TestSwitchyard, name: string): Promise<string | undefined> {
  const text = await (await request(`${sy.adminUrl}/metrics`)).body.text()
  return new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]
}

t.test('a switch through one replica is seen by all three', async (t) => {
  const redis = await startRedis(t)
  const { blue, green } = await startBlueGreen(t)
  const replicas = await startReplicas(t, redis, 3, { blue: blue.url, green: green.url })
  t.same(await versions(replicas), [1, 1, 1])
  for (const sy of replicas) {
    t.match((await sy.admin('GET', '/admin/status')).body, { active: 'blue', store: 'redis' })
    t.ok(await until(async () => await metric(sy, 'switchyard_state_synced') === '1'), 'switchyard_state_synced 1')
  }

  const [first, second, third] = replicas as [TestSwitchyard, TestSwitchyard, TestSwitchyard]
  t.match((await second.admin('POST', '/admin/switch', { to: 'green', reason: 'ship v2' })).body, { active: 'green', version: 2, changed: true })
  t.ok(await until(async () => (await versions(replicas)).every((v) => v === 2)), 'all three at version 2')
  for (const sy of replicas) {
    t.match((await sy.admin('GET', '/admin/status')).body, { active: 'green', previous: 'blue', reason: 'ship v2', by: 'operator' })
    t.equal(await colourServed(sy), 'green', 'and serving green')
    const lines = sy.logs.filter((l) => l.msg === 'active colour changed' && l.to === 'green' && l.version === 2)
    t.match(lines, [{ source: sy === second ? 'local' : 'adopted' }], 'one log line per change on every replica, saying where it was made')
    t.equal(lines.length, 1)
  }
  t.equal(await metric(second, 'switchyard_switches_total{by="operator"}'), '1', 'the switch is counted where it was made')
  t.equal(await metric(first, 'switchyard_switches_total{by="operator"}'), undefined, 'and only there')

  t.match((await third.admin('POST', '/admin/rollback', { reason: 'changed my mind' })).body, { active: 'blue', version: 3 })
  t.ok(await until(async () => (await versions(replicas)).every((v) => v === 3)))
  t.equal(await colourServed(first), 'blue')
})

t.test('ten concurrent switches on one version from three replicas: one wins, nine get 409, no gaps or duplicates', async (t) => {
  const redis = await startRedis(t)
  const { blue, green } = await startBlueGreen(t)
  const replicas = await startReplicas(t, redis, 3, { blue: blue.url, green: green.url })
  const rounds = 5
  for (let round = 0; round < rounds; round++) {
    const version = round + 1
    t.ok(await until(async () => (await versions(replicas)).every((v) => v === version)), `all three at version ${version}`)
    const to = round % 2 === 0 ? 'green' : 'blue'
    // force: the target's health probe is not what this test is about.
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      (replicas[i % 3] as TestSwitchyard).admin('POST', '/admin/switch', { to, expectedVersion: version, force: true, reason: `round ${round} try ${i}` })))
    const statuses = answers.map((a) => a.status).sort()
    t.same(statuses, [200, ...Array<number>(9).fill(409)], `round ${round}: one 200, nine 409 (${JSON.stringify(answers.filter((a) => a.status !== 409).map((a) => a.body))})`)
    for (const a of answers.filter((a) => a.status === 409)) {
      t.match(a.body, { error: 'SW_ERR_VERSION_CONFLICT', message: `expected state version ${version} but it is ${version + 1}` })
    }
  }
  t.ok(await until(async () => (await versions(replicas)).every((v) => v === rounds + 1)))
  const expected = Array.from({ length: rounds + 1 }, (_, i) => rounds + 1 - i)
  for (const sy of replicas) {
    const history = await sy.admin('GET', '/admin/history?limit=100')
    t.same((history.body.entries as Array<{ version: number }>).map((e) => e.version), expected, 'every replica: one entry per version, newest first')
  }
  const client = await redis.client()
  t.same((await client.lRange(`${redis.key}:history`, 0, -1)).map((e) => (JSON.parse(e) as { version: number }).version), expected, 'and so does Redis')
})

t.test('a replica restarted while the others switched comes up on the current colour', async (t) => {
  const redis = await startRedis(t)
  const { blue, green } = await startBlueGreen(t)
  const cwds = [replicaDir(t), replicaDir(t), replicaDir(t)]
  const replicas = await startReplicas(t, redis, 3, { blue: blue.url, green: green.url, cwds })
  const [first, , third] = replicas as [TestSwitchyard, TestSwitchyard, TestSwitchyard]
  await third.stop()
  t.equal((await first.admin('POST', '/admin/switch', { to: 'green' })).status, 200)
  t.equal((await first.admin('POST', '/admin/rollback', {})).status, 200)
  t.equal((await first.admin('POST', '/admin/switch', { to: 'green', reason: 'third time' })).status, 200)

  const again = await startReplica(t, redis, { blue: blue.url, green: green.url, cwd: cwds[2] as string })
  t.match((await again.admin('GET', '/admin/status')).body, { active: 'green', version: 4, reason: 'third time' }, 'not the colour its last-known file had')
  t.equal(await colourServed(again), 'green')
  t.equal((await again.admin('GET', '/admin/history')).body.total, 4)
})
