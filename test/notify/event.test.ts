import t from 'tap'
import { bakeNotification, changeNotifications, healthNotification, renderBody, tripNotification } from '../../src/notify/event.js'
import { Deployment } from '../../src/state/deployment.js'
import { MemoryStore } from '../../src/state/memory-store.js'

const at = new Date('2026-03-01T12:00:00.000Z')

t.test('a switch and a rollback, with who made them', async (t) => {
  const d = await Deployment.open(new MemoryStore(), { initial: 'blue', historyLimit: 50, bakeMs: 60_000 })
  const before = d.state
  const switched = await d.switchTo('green', { reason: 'ship v2', by: 'operator', actor: '10.0.0.7' })
  const [n, ...rest] = changeNotifications(switched.state, before)
  t.same(rest, [])
  t.match(n, {
    id: /^[0-9a-f-]{36}$/,
    event: 'switch',
    at: switched.state.changedAt,
    text: 'switchyard: switched blue → green (version 2) by operator (10.0.0.7): ship v2',
    data: { version: 2, from: 'blue', to: 'green', reason: 'ship v2', by: 'operator', actor: '10.0.0.7', bakeUntil: switched.state.bakeUntil, failed: null }
  })
  const back = await d.rollback({ reason: 'guard: 5 failures in a row >= 5', by: 'guard', actor: 'guard', markFailed: true })
  t.match(changeNotifications(back.state, switched.state), [{
    event: 'rollback',
    text: 'switchyard: rolled back green → blue (version 3) by guard: guard: 5 failures in a row >= 5',
    data: { version: 3, from: 'green', to: 'blue', by: 'guard', actor: 'guard', failed: 'green' }
  }])
})

t.test('several changes handed over at once: one notification each, oldest first', async (t) => {
  const d = await Deployment.open(new MemoryStore(), { initial: 'blue', historyLimit: 50 })
  const before = d.state
  await d.switchTo('green', { reason: 'one', by: 'operator' })
  await d.rollback({ reason: 'two', by: 'operator' })
  const last = await d.switchTo('green', { reason: 'three', by: 'cli' })
  const all = changeNotifications(last.state, before)
  t.same(all.map((n) => [n.event, n.data.version, n.data.actor, n.data.bakeUntil === null]), [['switch', 2, 'operator', true], ['rollback', 3, 'operator', true], ['switch', 4, 'cli', true]])
  t.equal(new Set(all.map((n) => n.id)).size, 3, 'each its own id')
  t.same(changeNotifications(last.state, last.state), [], 'nothing new, nothing sent')
})

t.test('every replica sends the same id for the same change; other events get their own', async (t) => {
  const d = await Deployment.open(new MemoryStore(), { initial: 'blue', historyLimit: 50 })
  const before = d.state
  const after = (await d.switchTo('green', { reason: 'r', by: 'operator' })).state
  const here = changeNotifications(after, before)[0]
  const there = changeNotifications(structuredClone(after), structuredClone(before))[0]
  t.equal(here?.id, there?.id, 'a switch: derived from the shared state')
  t.match(here?.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  t.equal(bakeNotification('green', 2, at).id, bakeNotification('green', 2, new Date()).id, 'the end of a bake too')
  t.not(bakeNotification('green', 2, at).id, bakeNotification('green', 4, at).id)
  t.not(healthNotification('blue', false, 'x', true, at).id, healthNotification('blue', false, 'x', true, at).id, 'a health change is each replica\'s own')
})

t.test('a guard trip says whether it rolled back', async (t) => {
  const trip = { at: at.toISOString(), colour: 'green' as const, kind: 'error_rate' as const, reason: 'error rate 40% >= 5%', rolledBack: true, blockedBy: null, afterMs: 812 }
  t.match(tripNotification(trip), {
    event: 'guard_trip',
    at: '2026-03-01T12:00:00.000Z',
    text: 'switchyard: guard tripped on green (error_rate): error rate 40% >= 5%; rolled back',
    data: { colour: 'green', kind: 'error_rate', reason: 'error rate 40% >= 5%', rolledBack: true, blockedBy: null, afterMs: 812 }
  })
  const blocked = tripNotification({ ...trip, rolledBack: false, blockedBy: 'previous colour blue is not healthy: GET /ping answered 503', afterMs: null })
  t.match(blocked.text, /; not rolled back: previous colour blue is not healthy/)
})

t.test('bake completed and health changes', async (t) => {
  t.match(bakeNotification('green', 2, at), { event: 'bake_completed', at: '2026-03-01T12:00:00.000Z', text: 'switchyard: bake of green completed (version 2): green is stable', data: { colour: 'green', version: 2 } })
  t.match(healthNotification('blue', false, 'GET /ping answered 503', true, at), {
    event: 'health_changed',
    text: 'switchyard: blue (live) is unhealthy: GET /ping answered 503',
    data: { colour: 'blue', healthy: false, active: true, error: 'GET /ping answered 503' }
  })
  t.match(healthNotification('green', true, 'stale', false, at), { text: 'switchyard: green (standby) is healthy', data: { healthy: true, error: null } })
})

t.test('json sends the notification, slack only its text', async (t) => {
  const n = bakeNotification('green', 2, at)
  t.same(JSON.parse(renderBody(n, 'json')), n)
  t.same(JSON.parse(renderBody(n, 'slack')), { text: n.text })
})
