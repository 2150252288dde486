// Webhooks against a real local HTTP receiver: every event arrives with the documented body, and
// a receiver that is slow or down never holds up a proxied request or an admin call.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { startModelServer, type ModelServer } from '../helpers/model-server.js'
import { startSwitchyard, type TestSwitchyard } from '../helpers/switchyard.js'

const BODY = '{"data": [[5.1, 3.5, 1.4, 0.2]]}'

interface Delivery { path: string, headers: IncomingHttpHeaders, body: Record<string, unknown> }

interface Receiver {
  url: string
  deliveries: Delivery[]
  /** Requests held open (hold mode), waiting for release(). */
  held: number
  hold: () => void
  release: () => void
}

/** A webhook receiver on a free port: answers 204, or holds every request open while told to. */
async function startReceiver (t: Test): Promise<Receiver> {
  const deliveries: Delivery[] = []
  let holding = false
  const waiting: ServerResponse[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      deliveries.push({ path: req.url as string, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> })
      if (holding) waiting.push(res)
      else res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(resolve))
  })
  const receiver: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deliveries,
    get held () { return waiting.length },
    hold: () => { holding = true },
    release: () => {
      holding = false
      for (const res of waiting.splice(0)) res.writeHead(204).end()
    }
  }
  return receiver
}

async function until (check: () => boolean | Promise<boolean>, what: string, tries = 250): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function predict (proxyUrl: string): Promise<number> {
  const res = await request(`${proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY })
  await res.body.dump()
  return res.statusCode
}

async function setup (t: Test, webhooks: unknown[], args: string[] = []): Promise<{ blue: ModelServer, green: ModelServer, sy: TestSwitchyard }> {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, args: ['--notify.webhooks', JSON.stringify(webhooks), ...args] })
  return { blue, green, sy }
}

function events (receiver: Receiver): string[] {
  return receiver.deliveries.map((d) => d.body.event as string)
}

async function metric (sy: TestSwitchyard, series: string): Promise<number | undefined> {
  const text = await (await request(`${sy.adminUrl}/metrics`)).body.text()
  const line = text.split('\n').find((l) => l.startsWith(series + ' '))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

t.test('switch, bake completed, rollback and health changes arrive with the documented body', async (t) => {
  const json = await startReceiver(t)
  const slack = await startReceiver(t)
  const { green, sy } = await setup(t, [
    { url: `${json.url}/hooks/all`, format: 'json', events: [] },
    { url: `${slack.url}/services/T0/B0/secret`, format: 'slack', events: ['switch'] }
  ], ['--rollback.bake', '700ms', '--health.unhealthyThreshold', '1'])

  // Both colours were found healthy at start-up: known, but not news.
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.same(json.deliveries, [], 'nothing sent at start-up')

  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green', reason: 'ship forest v2' })).status, 200)
  await until(() => events(json).includes('switch'), 'the switch')
  const switched = json.deliveries[0] as Delivery
  t.equal(switched.path, '/hooks/all')
  t.match(switched.headers, { 'content-type': 'application/json', 'user-agent': 'switchyard', 'x-switchyard-event': 'switch', 'x-switchyard-delivery': switched.body.id })
  t.match(switched.body, {
    id: /^[0-9a-f-]{36}$/,
    event: 'switch',
    at: /^\d{4}-\d\d-\d\dT/,
    text: 'switchyard: switched blue → green (version 2) by operator (127.0.0.1): ship forest v2',
    data: { version: 2, from: 'blue', to: 'green', reason: 'ship forest v2', by: 'operator', actor: '127.0.0.1', bakeUntil: /^\d{4}-/, failed: null }
  })
  t.same(Object.keys(switched.body).sort(), ['at', 'data', 'event', 'id', 'text'])

  await until(() => events(json).includes('bake_completed'), 'the end of the bake')
  t.match(json.deliveries.find((d) => d.body.event === 'bake_completed')?.body, { event: 'bake_completed', text: 'switchyard: bake of green completed (version 2): green is stable', data: { colour: 'green', version: 2 } })

  t.equal((await sy.admin('POST', '/admin/rollback', { reason: 'v2 looks off' })).status, 200)
  await until(() => events(json).includes('rollback'), 'the rollback')
  t.match(json.deliveries.find((d) => d.body.event === 'rollback')?.body, {
    event: 'rollback',
    text: 'switchyard: rolled back green → blue (version 3) by operator (127.0.0.1): v2 looks off',
    data: { version: 3, from: 'green', to: 'blue', reason: 'v2 looks off', by: 'operator', actor: '127.0.0.1' }
  })

  green.setFault({ ping: 503 })
  await until(() => events(json).includes('health_changed'), 'green turning unhealthy')
  green.setFault(null)
  await until(() => events(json).filter((e) => e === 'health_changed').length === 2, 'green healthy again')
  t.match(json.deliveries.filter((d) => d.body.event === 'health_changed').map((d) => d.body), [
    { text: 'switchyard: green (standby) is unhealthy: GET /ping answered 503', data: { colour: 'green', healthy: false, active: false, error: 'GET /ping answered 503' } },
    { text: 'switchyard: green (standby) is healthy', data: { colour: 'green', healthy: true, active: false, error: null } }
  ])
  t.same(events(json), ['switch', 'bake_completed', 'rollback', 'health_changed', 'health_changed'], 'each event once, in order')

  t.same(slack.deliveries.map((d) => d.body), [{ text: 'switchyard: switched blue → green (version 2) by operator (127.0.0.1): ship forest v2' }], 'slack: the switch only, as {"text": ...}')
  t.equal(slack.deliveries[0]?.path, '/services/T0/B0/secret')
})

t.test('a guard trip is notified along with the rollback it made', async (t) => {
  const receiver = await startReceiver(t)
  const { green, sy } = await setup(t, [{ url: receiver.url, format: 'json', events: ['guard_trip', 'rollback'] }], ['--rollback.bake', '30s', '--rollback.shield.enabled', 'false'])
  green.setFault({ status: 500 })
  await sy.admin('POST', '/admin/switch', { to: 'green' })
  for (let i = 0; i < 10; i++) await predict(sy.proxyUrl)
  await until(() => receiver.deliveries.length === 2, 'the trip and the rollback')
  t.same(events(receiver).sort(), ['guard_trip', 'rollback'])
  t.match(receiver.deliveries.find((d) => d.body.event === 'guard_trip')?.body, {
    text: /^switchyard: guard tripped on green \(consecutive_failures\): 5 failures in a row >= 5.*; rolled back$/,
    data: { colour: 'green', kind: 'consecutive_failures', rolledBack: true, blockedBy: null, afterMs: Number }
  })
  t.match(receiver.deliveries.find((d) => d.body.event === 'rollback')?.body, { data: { from: 'green', to: 'blue', by: 'guard', actor: 'guard', failed: 'green' } })
})

t.test('a receiver holding the webhook open holds up no proxied request and no admin call', async (t) => {
  const receiver = await startReceiver(t)
  receiver.hold()
  const { sy } = await setup(t, [{ url: receiver.url, format: 'json', events: [] }], ['--notify.timeout', '1h', '--notify.retries', '0'])

  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' })).status, 200)
  await until(() => receiver.held === 1, 'the receiver to hold the first delivery')

  // While the receiver sits on it: proxied requests and admin calls go through.
  const statuses = await Promise.all(Array.from({ length: 200 }, () => predict(sy.proxyUrl)))
  t.same(new Set(statuses), new Set([200]), '200 proxied requests completed while the webhook was held')
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'blue' })).status, 200, 'a second switch too')
  t.equal((await sy.admin('GET', '/admin/status')).body.active, 'blue')
  t.equal(receiver.held, 1, 'the first delivery is still held')
  t.equal(receiver.deliveries.length, 1, 'the second waits its turn in the queue')

  receiver.release()
  await until(() => receiver.deliveries.length === 2, 'the second delivery')
  t.same(receiver.deliveries.map((d) => (d.body.data as Record<string, unknown>).to), ['green', 'blue'], 'in order')
  t.equal(await metric(sy, 'switchyard_webhook_failures_total{event="switch"}'), 0)
})

t.test('a receiver that is down: retried with backoff, given up, logged and counted; traffic unaffected', async (t) => {
  const gone = await startReceiver(t)
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  const { sy } = await setup(t, [
    { url: `http://127.0.0.1:${port}/hooks/T0/SECRET-PATH`, format: 'slack', events: ['switch'] },
    { url: `${gone.url}/alive`, format: 'json', events: ['switch'] }
  ], ['--notify.timeout', '500ms', '--notify.retries', '2'])

  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' })).status, 200)
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'blue' })).status, 200)
  const statuses = await Promise.all(Array.from({ length: 100 }, () => predict(sy.proxyUrl)))
  t.same(new Set(statuses), new Set([200]), 'proxied requests are unaffected')

  await until(async () => (await metric(sy, 'switchyard_webhook_failures_total{event="switch"}')) === 2, 'both deliveries to be given up', 500)
  const failed = sy.logs.filter((l) => l.msg === 'webhook delivery failed')
  t.equal(failed.length, 2)
  t.match(failed[0], { level: 40, event: 'switch', attempts: 3, receiver: `http://127.0.0.1:${port}`, error: 'ECONNREFUSED' })
  t.notOk(JSON.stringify(sy.logs).includes('SECRET-PATH'), 'the secret part of the URL never reaches the logs')
  t.equal(gone.deliveries.length, 2, 'the receiver that is up got both, undelayed by the one that is down')
})
