// The notifier's delivery rules, with a send function in place of HTTP (the integration test
// test/integration/webhooks.test.ts has the real receiver).
import { pino } from 'pino'
import t from 'tap'
import type { NotifyEvent, WebhookConfig } from '../../src/config/schema.js'
import { bakeNotification, type Notification } from '../../src/notify/event.js'
import { Notifier, type NotifierOptions, type Send } from '../../src/notify/webhooks.js'

interface Attempt { url: string, body: Record<string, unknown>, headers: Record<string, string>, signal: AbortSignal }

function setup (options: { webhooks?: WebhookConfig[], send: Send, retries?: number, timeout?: number, queueLimit?: number }): { notifier: Notifier, failures: Record<string, number>, logs: Array<Record<string, unknown>> } {
  const failures: Record<string, number> = {}
  const logs: Array<Record<string, unknown>> = []
  const opts: NotifierOptions = {
    webhooks: options.webhooks ?? [{ url: 'http://receiver.test/hooks/SECRET', format: 'json', events: [] }],
    timeout: options.timeout ?? 1000,
    retries: options.retries ?? 0,
    backoffMs: 1,
    logger: pino({ level: 'debug' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>) } }),
    failures: { labels: (event: NotifyEvent) => ({ inc: () => { failures[event] = (failures[event] ?? 0) + 1 } }) },
    send: options.send
  }
  if (options.queueLimit !== undefined) opts.queueLimit = options.queueLimit
  const notifier = new Notifier(opts)
  return { notifier, failures, logs }
}

function recorder (answer: (attempt: Attempt, n: number) => Promise<number> | number): { attempts: Attempt[], send: Send } {
  const attempts: Attempt[] = []
  const send: Send = async (url, body, headers, signal) => {
    const attempt = { url, body: JSON.parse(body) as Record<string, unknown>, headers, signal }
    attempts.push(attempt)
    return answer(attempt, attempts.length)
  }
  return { attempts, send }
}

const event = (version = 2): Notification => bakeNotification('green', version, new Date('2026-03-01T12:00:00.000Z'))

async function settle (check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
}

t.test('notify() returns before anything is sent; the body, headers and format are the documented ones', async (t) => {
  const { attempts, send } = recorder(() => 204)
  const { notifier, logs } = setup({
    send,
    webhooks: [
      { url: 'http://a.test/json', format: 'json', events: [] },
      { url: 'http://b.test/slack', format: 'slack', events: ['bake_completed'] },
      { url: 'http://c.test/switch-only', format: 'json', events: ['switch'] }
    ]
  })
  const n = event()
  notifier.notify(n)
  t.equal(attempts.length, 0, 'queued, not sent, while notify() runs')
  await settle(() => attempts.length === 2)
  t.same(attempts.map((a) => a.url).sort(), ['http://a.test/json', 'http://b.test/slack'], 'the switch-only receiver is not sent a bake')
  const json = attempts.find((a) => a.url.endsWith('/json'))
  t.same(json?.body, n)
  t.same(json?.headers, { 'content-type': 'application/json', 'user-agent': 'switchyard', 'x-switchyard-event': 'bake_completed', 'x-switchyard-delivery': n.id })
  t.same(attempts.find((a) => a.url.endsWith('/slack'))?.body, { text: 'switchyard: bake of green completed (version 2): green is stable' })
  await settle(() => logs.filter((l) => l.msg === 'webhook delivered').length === 2)
  t.match(logs.find((l) => l.msg === 'webhook delivered'), { event: 'bake_completed', attempts: 1, receiver: /^http:\/\/[ab]\.test$/ })
  await notifier.close()
})

t.test('retries 5xx, 429 and network errors with the same id, then gives up and counts it', async (t) => {
  const { attempts, send } = recorder((_a, n) => {
    if (n === 1) return 503
    if (n === 2) return 429
    throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
  })
  const { notifier, failures, logs } = setup({ send, retries: 3 })
  notifier.notify(event())
  await settle(() => failures.bake_completed === 1)
  t.equal(attempts.length, 4, 'the first attempt and three retries')
  t.equal(new Set(attempts.map((a) => a.headers['x-switchyard-delivery'])).size, 1, 'one delivery id throughout')
  t.same(failures, { bake_completed: 1 })
  const failed = logs.find((l) => l.msg === 'webhook delivery failed')
  t.match(failed, { level: 40, event: 'bake_completed', attempts: 4, error: 'ECONNREFUSED', receiver: 'http://receiver.test' })
  t.notOk(JSON.stringify(logs).includes('SECRET'), 'the path of the URL (often a secret) is never logged')
  await notifier.close()
})

t.test('a 2xx after failures is a delivery, not a failure', async (t) => {
  const { attempts, send } = recorder((_a, n) => (n < 3 ? 500 : 200))
  const { notifier, failures, logs } = setup({ send, retries: 3 })
  notifier.notify(event())
  await settle(() => logs.some((l) => l.msg === 'webhook delivered'))
  t.equal(attempts.length, 3)
  t.same(failures, {})
  await notifier.close()
})

t.test('a 4xx other than 408 and 429 will not change: no retry', async (t) => {
  const { attempts, send } = recorder(() => 404)
  const { notifier, failures, logs } = setup({ send, retries: 3 })
  notifier.notify(event())
  await settle(() => failures.bake_completed === 1)
  t.equal(attempts.length, 1)
  t.match(logs.find((l) => l.msg === 'webhook delivery failed'), { attempts: 1, error: 'answered 404' })
  await notifier.close()
})

t.test('an attempt is cut off at the timeout', async (t) => {
  // A receiver that never answers: the send waits for its signal.
  const { attempts, send } = recorder(async (a) => new Promise<number>((_resolve, reject) => a.signal.addEventListener('abort', () => reject(a.signal.reason))))
  const { notifier, failures, logs } = setup({ send, retries: 1, timeout: 50 })
  notifier.notify(event())
  await settle(() => failures.bake_completed === 1)
  t.equal(attempts.length, 2)
  t.match(logs.find((l) => l.msg === 'webhook delivery failed'), { attempts: 2, error: 'no answer in 50 ms' })
  await notifier.close()
})

t.test('a receiver that holds every delivery: its queue is bounded, the excess dropped and counted', async (t) => {
  const { attempts, send } = recorder(async (a) => new Promise<number>((_resolve, reject) => a.signal.addEventListener('abort', () => reject(a.signal.reason))))
  const { notifier, failures, logs } = setup({ send, timeout: 60_000, queueLimit: 10 })
  for (let i = 0; i < 25; i++) notifier.notify(event(i))
  await settle(() => attempts.length === 1)
  t.equal(attempts.length, 1, 'one delivery at a time per receiver')
  t.same(failures, { bake_completed: 15 }, '10 queued (one now in flight), 15 dropped')
  t.equal(logs.filter((l) => l.msg === 'webhook queue full: notification dropped').length, 15)
  await notifier.close()
  t.ok(attempts[0]?.signal.aborted, 'close() aborts the delivery in flight')
  t.match(logs.find((l) => l.msg === 'closing with webhook notifications undelivered'), { pending: 10 })
  await settle(() => false)
  t.equal(attempts.length, 1, 'and nothing queued is sent after close')
  notifier.notify(event())
  t.equal(attempts.length, 1, 'a closed notifier takes nothing')
})

t.test('close() cuts a backoff short', async (t) => {
  const { attempts, send } = recorder(() => 500)
  const failures: Record<string, number> = {}
  const notifier = new Notifier({
    webhooks: [{ url: 'http://a.test/', format: 'json', events: [] }],
    timeout: 1000,
    retries: 5,
    backoffMs: 600_000,
    logger: pino({ level: 'silent' }),
    failures: { labels: (e) => ({ inc: () => { failures[e] = 1 } }) },
    send
  })
  notifier.notify(event())
  await settle(() => attempts.length === 1)
  // The next retry is five to ten minutes away; close() must not wait for it.
  const closed = await Promise.race([notifier.close().then(() => 'closed'), new Promise((resolve) => setTimeout(resolve, 10_000).unref()).then(() => 'still waiting')])
  t.equal(closed, 'closed')
  await notifier.close()
  t.equal(attempts.length, 1)
  t.same(failures, {}, 'abandoned at close, not counted as a receiver failure')
})

t.test('with no webhooks it does nothing, and needs no HTTP client', async (t) => {
  const notifier = new Notifier({ webhooks: [], timeout: 1000, retries: 3, logger: pino({ level: 'silent' }), failures: { labels: () => ({ inc: () => {} }) } })
  notifier.notify(event())
  await notifier.close()
  t.pass('no receivers, no work')
})
