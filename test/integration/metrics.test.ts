// /metrics after known traffic: exact counts per colour and outcome, the histogram's buckets,
// and label sets that stay the same size however many distinct paths the clients call.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { request } from 'undici'
import { DURATION_BUCKETS, OUTCOMES } from '../../src/metrics/metrics.js'
import { NOTIFY_EVENTS } from '../../src/config/schema.js'
import { startModelServer } from '../helpers/model-server.js'
import { startSwitchyard, type TestSwitchyard } from '../helpers/switchyard.js'

const GOOD = '{"data": [[5.1, 3.5, 1.4, 0.2]]}'

/** Every sample line of the exposition, by `name{labels}` exactly as written. */
async function scrape (sy: TestSwitchyard): Promise<Map<string, number>> {
  const res = await request(`${sy.adminUrl}/metrics`)
  const text = await res.body.text()
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    samples.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return samples
}

/** Sends `n` predictions with `body`; returns the statuses. */
async function predict (sy: TestSwitchyard, n: number, body = GOOD): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < n; i++) {
    const res = await request(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    await res.body.dump()
    statuses.push(res.statusCode)
  }
  return statuses
}

function requests (colour: string, outcome: string): string {
  return `switchyard_requests_total{colour="${colour}",outcome="${outcome}"}`
}

function bucket (colour: string, le: number | '+Inf'): string {
  return `switchyard_request_duration_seconds_bucket{le="${le}",colour="${colour}"}`
}

t.test('exact counts per colour and outcome after known traffic', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, args: ['--proxy.timeout', '300ms', '--rollback.bake', '1m'] })

  const before = await scrape(sy)
  for (const colour of ['blue', 'green']) {
    for (const outcome of OUTCOMES) t.equal(before.get(requests(colour, outcome)), 0, `${colour} ${outcome} is 0 from the first scrape`)
  }

  // Blue, live and stable (nothing shields it): every outcome once or more.
  t.same(await predict(sy, 5), [200, 200, 200, 200, 200])
  t.same(await predict(sy, 3, '{}'), [400, 400, 400])
  blue.setFault({ status: 500 })
  t.same(await predict(sy, 2), [500, 500])
  blue.setFault({ destroy: true })
  t.same(await predict(sy, 1), [502], 'connection dropped')
  blue.setFault({ delayMs: 2000 })
  t.same(await predict(sy, 1), [504], 'no answer within proxy.timeout')
  blue.setFault(null)

  // Green, during its bake: two 500s are shielded (answered by blue), then green answers.
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green', reason: 'metrics' })).status, 200)
  green.setFault({ status: 500 })
  t.same(await predict(sy, 2), [200, 200], 'shielded onto blue')
  green.setFault(null)
  t.same(await predict(sy, 4), [200, 200, 200, 200])

  const m = await scrape(sy)
  const expected: Record<string, Record<string, number>> = {
    blue: { ok: 5, client_error: 3, server_error: 2, connection_error: 1, timeout: 1, shielded: 2 },
    green: { ok: 4, client_error: 0, server_error: 2, connection_error: 0, timeout: 0, shielded: 0 }
  }
  for (const [colour, outcomes] of Object.entries(expected)) {
    for (const [outcome, count] of Object.entries(outcomes)) t.equal(m.get(requests(colour, outcome)), count, `${colour} ${outcome}`)
  }
  t.equal(m.get('switchyard_request_duration_seconds_count{colour="blue"}'), 14, 'one duration per recorded outcome')
  t.equal(m.get('switchyard_request_duration_seconds_count{colour="green"}'), 6)
  t.equal(m.get('switchyard_active_colour{colour="green"}'), 1)
  t.equal(m.get('switchyard_active_colour{colour="blue"}'), 0)
  t.equal(m.get('switchyard_state_version'), 2)
  t.equal(m.get('switchyard_switches_total{by="operator"}'), 1)
  t.equal(m.get('switchyard_inflight_requests{colour="blue"}'), 0)
  t.equal(m.get('switchyard_inflight_requests{colour="green"}'), 0)
  t.equal(m.get('switchyard_upstream_healthy{colour="blue"}'), 1)
  t.equal(m.get('switchyard_upstream_healthy{colour="green"}'), 1)
  for (const event of NOTIFY_EVENTS) t.equal(m.get(`switchyard_webhook_failures_total{event="${event}"}`), 0, `webhook failures, ${event}`)

  t.equal((await sy.admin('POST', '/admin/rollback', { reason: 'back' })).status, 200)
  const after = await scrape(sy)
  t.equal(after.get('switchyard_rollbacks_total{reason="operator"}'), 1)
  t.equal(after.get('switchyard_switches_total{by="operator"}'), 2)
  t.equal(after.get('switchyard_state_version'), 3)
  t.equal(after.get('switchyard_active_colour{colour="blue"}'), 1)
})

t.test('the duration histogram has the documented buckets, cumulative, ending in the count', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, args: ['--proxy.timeout', '5s'] })
  await predict(sy, 6)
  blue.setFault({ delayMs: 300 })
  await predict(sy, 2)
  blue.setFault(null)

  const m = await scrape(sy)
  t.same(DURATION_BUCKETS, [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], '5 ms to 60 s')
  const counts = [...DURATION_BUCKETS, '+Inf' as const].map((le) => m.get(bucket('blue', le)))
  t.notOk(counts.includes(undefined), 'every bucket is exposed')
  t.ok(counts.every((n, i) => i === 0 || (n as number) >= (counts[i - 1] as number)), 'cumulative')
  t.equal(counts.at(-1), m.get('switchyard_request_duration_seconds_count{colour="blue"}'), '+Inf is the count')
  t.equal(m.get(bucket('blue', '+Inf')), 8)
  t.equal(m.get(bucket('blue', 0.25)), 6, 'the two slow answers (300 ms) are above 0.25 s')
  t.equal(m.get(bucket('blue', 1)), 8, 'and within 1 s')
  t.ok((m.get('switchyard_request_duration_seconds_sum{colour="blue"}') as number) >= 0.6, 'the sum holds the two 300 ms answers')
})

t.test('label sets do not grow with distinct paths, methods or queries', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url })
  const series = async (): Promise<string[]> => [...(await scrape(sy)).keys()].filter((k) => k.startsWith('switchyard_')).sort()

  await predict(sy, 2)
  const before = await series()
  const marker = randomUUID()
  for (let i = 0; i < 50; i++) {
    const res = await request(`${sy.proxyUrl}/models/${marker}-${i}/invoke?user=${i}`, { method: i % 2 === 0 ? 'GET' : 'DELETE' })
    await res.body.dump()
  }
  const after = await series()
  t.same(after, before, 'the same series as before 50 distinct paths')
  t.equal(after.filter((k) => k.startsWith('switchyard_requests_total{')).length, 12, 'two colours x six outcomes')
  t.equal((await scrape(sy)).get(requests('blue', 'client_error')), 50, 'the 404s are counted, under the fixed labels')
  const text = await (await request(`${sy.adminUrl}/metrics`)).body.text()
  t.notOk(text.includes(marker), 'no path reaches the metrics')
})
