// What a running switchyard keeps in memory: only the code it uses. Redis's client loads only with
// the Redis store, and undici's fetch, WebSocket, mocks and caches not at all (~9 MB of RSS
// per replica, see src/undici.ts). The child loads the CLI as the bin does, proxies a request and
// makes one with pool.request(), so this is after use.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

const root = new URL('../../', import.meta.url).pathname
const loader = process.execArgv.some((a) => a.includes('@tapjs/typescript')) ? process.execArgv : ['--import', 'tsx']

t.test('a memory-store switchyard loads undici\'s pools and request API, not the rest of undici or Redis', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, [...loader, join(root, 'test/helpers/footprint-child.ts')], { cwd: root, timeout: 60_000 })
  const { status, probe, loaded } = JSON.parse(stdout) as { status: number, probe: number, loaded: string[] }
  t.equal(status, 200, 'the request went through')
  t.equal(probe, 200, 'pool.request() works without undici\'s index')
  const undici = loaded.filter((file) => file.includes('/node_modules/undici/'))
  // What it must load, so an empty list (a broken look-up) cannot pass.
  t.ok(undici.some((file) => file.endsWith('/undici/lib/dispatcher/pool.js')), 'undici\'s Pool is loaded')
  t.ok(undici.some((file) => file.endsWith('/undici/lib/api/api-request.js')), 'and its request API')
  t.same(undici.filter((file) => /\/undici\/(index\.js|lib\/(web|mock|cache)\/)/.test(file)), [], 'not undici\'s index, fetch, WebSocket, mocks or caches')
  t.same(loaded.filter((file) => /\/node_modules\/(redis|@redis)\//.test(file)), [], 'not the Redis client')
})
