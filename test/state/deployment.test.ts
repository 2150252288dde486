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

t.test('adopt applies a newer state from elsewhere, with the same change event, and ignores older or equal ones', async (t) => {
  const store = new MemoryStore()
  const source = await Deployment.open(store, { initial: 'blue', historyLimit: 50 })
  const d = await Deployment.open(store, { initial: 'blue', historyLimit: 50 })
  const events: string[] = []
  d.on('change', (s, before, from) => events.push(`${before.active}->${s.active}@${s.version} ${from}`))
  const { state: v2 } = await source.switchTo('green', { reason: 'elsewhere', by: 'op' })
  const { state: v3 } = await source.rollback({ reason: 'elsewhere', by: 'op' })
  t.equal(d.adopt(v3), true)
  t.equal(d.active, 'blue')
  t.match(d.state, { version: 3, previous: 'green', reason: 'elsewhere' })
  t.equal(d.adopt(v2), false, 'older')
  t.equal(d.adopt(v3), false, 'equal')
  t.same(events, ['blue->blue@3 adopted'], 'one event, even when the colour ends where it was')
  t.equal((await d.switchTo('green', { reason: 'r', by: 'op', expectedVersion: 3 })).state.version, 4, 'changes continue from the adopted version')
})

/** A shared store in miniature: one saved state, several replicas, adopt on demand. */
function sharedStore (): { store: MemoryStore & { watch: (r: { adopt: (s: never) => boolean }) => void }, replicas: Array<{ adopt: (s: never) => boolean }> } {
  const store = new MemoryStore() as MemoryStore & { watch: (r: { adopt: (s: never) => boolean }) => void }
  const replicas: Array<{ adopt: (s: never) => boolean }> = []
  store.watch = (replica) => { replicas.push(replica) }
  return { store, replicas }
}

t.test('with a shared store: a switch that names no version catches up once and applies to the newest state', async (t) => {
  const { store } = sharedStore()
  const a = await Deployment.open(store, { initial: 'blue', historyLimit: 50 })
  const b = await Deployment.open(store, { initial: 'blue', historyLimit: 50 })
  await a.switchTo('green', { reason: 'a', by: 'op' })
  await a.switchTo('blue', { reason: 'a', by: 'op' })
  t.equal(b.state.version, 1, 'b has not heard')
  const r = await b.switchTo('green', { reason: 'b', by: 'op' })
  t.match(r, { changed: true, state: { version: 4, active: 'green', previous: 'blue' } })
  t.same(r.state.history.map((e) => e.version), [4, 3, 2, 1])
  await t.rejects(a.switchTo('green', { reason: 'a', by: 'op', expectedVersion: 3 }), { code: 'SW_ERR_VERSION_CONFLICT' }, 'a named version is never retried')
})

t.test('with a shared store: an own change handed back before the commit returns is announced once', async (t) => {
  const { store, replicas } = sharedStore()
  const d = await Deployment.open(store, { initial: 'blue', historyLimit: 50 })
  const commit = store.commit.bind(store)
  store.commit = async (next, expected) => {
    await commit(next, expected)
    for (const r of replicas) r.adopt(structuredClone(next) as never)
  }
  const events: string[] = []
  d.on('change', (s, _before, from) => events.push(`${s.version} ${from}`))
  const r = await d.switchTo('green', { reason: 'r', by: 'op' })
  t.equal(r.changed, true)
  t.same(events, ['2 local'], 'once, and as its own')
  t.equal(d.active, 'green')
})

t.test('with a shared store: a rival\'s change that arrives during a commit it beats is applied once the commit fails', async (t) => {
  const { store, replicas } = sharedStore()
  const a = await Deployment.open(store, { initial: 'blue', historyLimit: 50 })
  const b = await Deployment.open(store, { initial: 'blue', historyLimit: 50 })
  const events: string[] = []
  b.on('change', (s, _before, from) => events.push(`${s.active}@${s.version} ${from} by ${s.by}`))
  const commit = store.commit.bind(store)
  store.commit = async (next, expected) => {
    if (next.by === 'b') {
      // a's switch lands first, and its message reaches b while b's own commit is in flight.
      const { state } = await a.switchTo('green', { reason: 'a', by: 'a' })
      for (const r of replicas) r.adopt(structuredClone(state) as never)
      t.equal(b.active, 'blue', 'not applied while b does not know whose it is')
    }
    await commit(next, expected)
  }
  await t.rejects(b.switchTo('green', { reason: 'b', by: 'b', expectedVersion: 1 }), { code: 'SW_ERR_VERSION_CONFLICT' })
  t.same(events, ['green@2 adopted by a'])
  t.equal(b.active, 'green')
})

t.test('replicas opening together on an empty shared store: one saves the initial state, the others use it', async (t) => {
  const store = new MemoryStore()
  const a = await Deployment.open(store, { initial: 'blue', historyLimit: 50 })
  // b looked just before a saved: it finds nothing, then loses the race to save.
  const load = store.load.bind(store)
  let looked = false
  store.load = async () => {
    if (looked) return load()
    looked = true
    return null
  }
  const b = await Deployment.open(store, { initial: 'green', historyLimit: 50 })
  t.equal(b.active, 'blue', 'the colour the first one saved, not its own initial colour')
  t.equal(b.state.version, 1)
  t.equal(a.state.version, 1)
})

t.test('a traffic change is its own event: no change event, no history entry; a switch sends both', async (t) => {
  const d = await open()
  const events: string[] = []
  d.on('change', (s) => events.push(`change@${s.version}`))
  d.on('traffic', (traffic, before) => events.push(`traffic ${before.canaryWeight}->${traffic.canaryWeight}`))
  const r = await d.updateTraffic((traffic) => ({ ...traffic, canaryWeight: 20 }))
  t.match(r, { changed: true, state: { version: 2, active: 'blue', traffic: { canaryWeight: 20 } } })
  t.equal(d.state.history.length, 1, 'only the init entry')
  t.equal((await d.updateTraffic((traffic) => ({ ...traffic, canaryWeight: 20 }))).changed, false, 'the same settings: no change')
  t.equal((await d.updateTraffic(() => null)).changed, false)
  await d.switchTo('green', { reason: 'r', by: 'op' })
  t.same(events, ['traffic 0->20', 'change@3', 'traffic 20->0'])
  await t.rejects(d.updateTraffic(() => { throw new Error('refused') }), /refused/)
  t.equal(d.state.version, 3, 'a refused update changes nothing')
})

t.test('a precondition is checked on the newest state: the guard\'s rollback ignores a traffic change, not a switch', async (t) => {
  const d = await open()
  await d.switchTo('green', { reason: 'r', by: 'op' })
  const watched = d.state.history[0]?.version
  const sameSwitch = (current: { history: Array<{ version: number }> }): void => {
    if (current.history[0]?.version !== watched) throw new Error('switched meanwhile')
  }
  await d.updateTraffic((traffic) => ({ ...traffic, shadowPercent: 100 }))
  const r = await d.rollback({ reason: 'guard', by: 'guard', precondition: sameSwitch })
  t.match(r, { changed: true, state: { active: 'blue', version: 4 } }, 'a shadow percent set meanwhile does not block it')
  await d.switchTo('green', { reason: 'r', by: 'op' })
  await t.rejects(d.rollback({ reason: 'guard', by: 'guard', precondition: sameSwitch }), /switched meanwhile/, 'a switch meanwhile does')
  t.equal(d.active, 'green')
})
