import t from 'tap'
import { Deployment } from '../../src/state/deployment.js'
import { MemoryStore } from '../../src/state/memory-store.js'

const open = (initial: 'blue' | 'green' = 'blue') => Deployment.open(new MemoryStore(), { initial, historyLimit: 50 })

t.test('opens on the configured colour when nothing is saved', async (t) => {
  const d = await open('green')
  t.equal(d.active, 'green')
  t.equal(d.state.version, 1)
})

t.test('opens on the saved state when there is one', async (t) => {
  const store = new MemoryStore()
  const first = await Deployment.open(store, { initial: 'blue', historyLimit: 50 })
  await first.switchTo('green', { reason: 'r', by: 'op' })
  const second = await Deployment.open(store, { initial: 'blue', historyLimit: 50 })
  t.equal(second.active, 'green')
  t.equal(second.state.version, 2)
})

t.test('switch emits one change event and the hot-path field follows', async (t) => {
  const d = await open()
  const events: string[] = []
  d.on('change', (s, before) => events.push(`${before.active}->${s.active}@${s.version}`))
  const r = await d.switchTo('green', { reason: 'r', by: 'op' })
  t.equal(r.changed, true)
  t.equal(d.active, 'green')
  const again = await d.switchTo('green', { reason: 'r', by: 'op' })
  t.equal(again.changed, false)
  t.same(events, ['blue->green@2'])
})

t.test('expectedVersion must match', async (t) => {
  const d = await open()
  await t.rejects(d.switchTo('green', { reason: 'r', by: 'op', expectedVersion: 5 }), { code: 'SW_ERR_VERSION_CONFLICT', statusCode: 409 })
  t.equal(d.active, 'blue')
  const r = await d.switchTo('green', { reason: 'r', by: 'op', expectedVersion: 1 })
  t.equal(r.state.version, 2)
})

t.test('rollback goes to previous, and needs one', async (t) => {
  const d = await open()
  await t.rejects(d.rollback({ reason: 'r', by: 'op' }), { code: 'SW_ERR_NO_PREVIOUS', statusCode: 409 })
  await d.switchTo('green', { reason: 'r', by: 'op' })
  const r = await d.rollback({ reason: 'bad', by: 'guard' })
  t.match(r.state, { active: 'blue', previous: 'green', version: 3, by: 'guard' })
  t.equal(r.state.history[0]?.kind, 'rollback')
})

t.test('concurrent switches are serialised: versions have no gaps', async (t) => {
  const d = await open()
  const colours = ['green', 'blue', 'green', 'blue', 'green'] as const
  const results = await Promise.all(colours.map((c) => d.switchTo(c, { reason: 'x', by: 'op' })))
  t.same(results.map((r) => r.state.version), [2, 3, 4, 5, 6])
  t.same(d.state.history.map((h) => h.version), [6, 5, 4, 3, 2, 1])
})

t.test('a failing store leaves the state as it was', async (t) => {
  const store = new MemoryStore()
  const d = await Deployment.open(store, { initial: 'blue', historyLimit: 50 })
  store.commit = async () => { throw new Error('disk full') }
  await t.rejects(d.switchTo('green', { reason: 'r', by: 'op' }), /disk full/)
  t.equal(d.active, 'blue')
  t.equal(d.state.version, 1)
})
