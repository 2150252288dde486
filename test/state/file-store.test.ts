import { readFile, writeFile, mkdir, chmod } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { FileStore } from '../../src/state/file-store.js'
import { initialState, applyChange } from '../../src/state/transition.js'

const now = new Date('2026-01-01T00:00:00Z')

t.test('missing file loads as nothing saved; commit writes it and a new store reads it back', async (t) => {
  const dir = t.testdir()
  const path = join(dir, 'sub', 'state.json')
  const store = new FileStore(path)
  t.equal(await store.load(), null)
  const s1 = initialState('blue', now)
  await store.commit(s1, null)
  const s2 = applyChange(s1, { kind: 'switch', to: 'green', reason: 'r', by: 'op' }, now, 10)
  if (s2 === null) throw new Error('no change')
  await store.commit(s2, 1)
  const again = new FileStore(path)
  t.same(await again.load(), s2)
  t.same(JSON.parse(await readFile(path, 'utf8')), s2)
  await store.close()
})

t.test('a stale expected version is refused', async (t) => {
  const store = new FileStore(join(t.testdir(), 'state.json'))
  await store.commit(initialState('blue', now), null)
  await t.rejects(store.commit(initialState('green', now), null), { code: 'SW_ERR_VERSION_CONFLICT' })
})

t.test('corrupt JSON stops with a clear message naming the file', async (t) => {
  const path = join(t.testdir(), 'state.json')
  await writeFile(path, '{"active": "gre')
  await t.rejects(new FileStore(path).load(), { code: 'SW_ERR_STATE_CORRUPT', message: new RegExp(`${path}.*not valid JSON`) })
})

t.test('valid JSON that is not a state is refused, naming the problem', async (t) => {
  const path = join(t.testdir(), 'state.json')
  await writeFile(path, JSON.stringify({ ...initialState('blue', now), active: 'purple' }))
  await t.rejects(new FileStore(path).load(), { code: 'SW_ERR_STATE_CORRUPT', message: /active is not/ })
})

t.test('an unreadable path is refused, not reset', async (t) => {
  const dir = t.testdir()
  const path = join(dir, 'is-a-dir')
  await mkdir(path)
  await t.rejects(new FileStore(path).load(), { code: 'SW_ERR_STATE_CORRUPT', message: /EISDIR/ })
  const locked = join(dir, 'locked.json')
  await writeFile(locked, '{}')
  await chmod(locked, 0o000)
  // root reads anything; only assert when the permission bit is enforced.
  if (process.getuid?.() !== 0) await t.rejects(new FileStore(locked).load(), { code: 'SW_ERR_STATE_CORRUPT' })
})
