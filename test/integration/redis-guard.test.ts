// The guard with three replicas: each judges its own traffic, and their rollbacks go through the
// same compare-and-set, so when all three trip together one rollback happens, not three.
import t from 'tap'
import { Pool, request } from 'undici'
import { startModelServer } from '../helpers/model-server.js'
import { startRedis, startReplicas } from '../helpers/redis.js'
import type { TestSwitchyard } from '../helpers/switchyard.js'
import { until } from '../helpers/until.js'


async function status (sy: TestSwitchyard): Promise<Record<string, unknown>> {
  return (await sy.admin('GET', '/admin/status')).body
}

async function counter (sy: TestSwitchyard, series: string): Promise<number> {
  const text = await (await request(`${sy.adminUrl}/metrics`)).body.text()
  const escaped = series.replace(/[{}"]/g, (c) => `\\${c}`)
  return Number(new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text)?.[1] ?? 0)
}

for (const shield of [true, false]) {
  t.test(`green failing every request, traffic through all three replicas (shield ${shield ? 'on' : 'off'}): one rollback in the history`, async (t) => {
    const redis = await startRedis(t)
    const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
    const green = await startModelServer(t, { model: 'forest', version: 'v2' })
    const replicas = await startReplicas(t, redis, 3, {
      blue: blue.url,
      green: green.url,
      args: ['--rollback.bake', '30s', '--rollback.shield.enabled', String(shield)]
    })
    green.setFault({ status: 500 })
    t.equal((await (replicas[0] as TestSwitchyard).admin('POST', '/admin/switch', { to: 'green', force: true })).status, 200)
    t.ok(await until(async () => (await Promise.all(replicas.map(status))).every((s) => s.version === 2)), 'all three on green')

    // Traffic through all three at once, until every replica is back on blue.
    const pools = replicas.map((sy) => new Pool(sy.proxyUrl, { connections: 4 }))
    t.teardown(() => Promise.all(pools.map((pool) => pool.close())))
    let done = false
    const statuses: number[] = []
    const drive = async (pool: Pool): Promise<void> => {
      while (!done) {
        const res = await pool.request({ method: 'POST', path: '/invocations', headers: { 'content-type': 'application/json' }, body: '{"data": [[5.1, 3.5, 1.4, 0.2]]}' })
        await res.body.dump()
        statuses.push(res.statusCode)
      }
    }
    const drivers = pools.flatMap((pool) => [drive(pool), drive(pool)])
    const back = await until(async () => (await Promise.all(replicas.map(status))).every((s) => s.active === 'blue'))
    await new Promise((resolve) => setTimeout(resolve, 200))
    done = true
    await Promise.all(drivers)
    t.ok(back, 'every replica is back on blue')

    for (const sy of replicas) {
      const history = await sy.admin('GET', '/admin/history')
      t.match(history.body, { total: 3, entries: [{ version: 3, kind: 'rollback', by: 'guard', from: 'green', to: 'blue' }, { version: 2, kind: 'switch' }, { version: 1, kind: 'init' }] }, 'init, switch, one rollback')
      t.match(await status(sy), { active: 'blue', failed: 'green', version: 3 })
    }
    const client = await redis.client()
    t.same((await client.lRange(`${redis.key}:history`, 0, -1)).map((e) => (JSON.parse(e) as { kind: string }).kind), ['rollback', 'switch', 'init'], 'and one in Redis')

    const rolledBack = await Promise.all(replicas.map((sy) => counter(sy, 'switchyard_switches_total{by="guard"}')))
    t.equal(rolledBack.reduce((a, b) => a + b, 0), 1, `one replica's guard made the rollback (${rolledBack.join(', ')})`)
    const trips = replicas.map((sy) => sy.logs.filter((l) => l.msg === 'guard tripped').length)
    t.ok(trips.every((n) => n <= 1), `no replica tripped twice (${trips.join(', ')})`)
    for (const sy of replicas) {
      const lastTrip = ((await status(sy)).guard as { lastTrip: { rolledBack: boolean, blockedBy: string | null } | null }).lastTrip
      if (lastTrip !== null && !lastTrip.rolledBack) t.equal(lastTrip.blockedBy, 'the state changed before the rollback was saved', 'a replica that lost the race says so')
    }
    if (shield) t.same(statuses.filter((s) => s !== 200), [], 'the shield kept every answer a 200')
    t.ok(statuses.length > 0)
  })
}
