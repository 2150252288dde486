// What a running switchyard keeps in memory: only the code it uses. Redis's client loads only with
// the Redis store; undici's fetch, WebSocket, mocks and caches (~9 MB of RSS, see src/undici.ts)
// and Fastify's schema compilers (~3 MB, see NO_SCHEMAS in src/app.ts) not at all. The child
// loads the CLI as the bin does, proxies a request and makes one with pool.request(), so this is
// what is loaded after use.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { pino } from 'pino'
import t from 'tap'
import { build } from '../../src/app.js'
import { loadConfig } from '../../src/config/load.js'
import { MemoryStore } from '../../src/state/memory-store.js'

const root = new URL('../../', import.meta.url).pathname
const loader = process.execArgv.some((a) => a.includes('@tapjs/typescript')) ? process.execArgv : ['--import', 'tsx']

t.test('a memory-store switchyard loads undici\'s pools and request API, not the rest of undici, Redis or Fastify\'s schema compilers', async (t) => {
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
  t.ok(loaded.some((file) => file.includes('/node_modules/fastify/')), 'Fastify is loaded')
  t.same(loaded.filter((file) => /\/node_modules\/(ajv|@fastify\/ajv-compiler|@fastify\/fast-json-stringify-compiler)\//.test(file)), [], 'not Fastify\'s schema compilers (no route has a schema)')
})

t.test('a route with a JSON schema fails start-up: there is no schema compiler to run it', async (t) => {
  // Nothing listens; the upstreams are never called.
  const config = loadConfig({ env: {}, args: ['--upstreams.blue.url', 'http://127.0.0.1:9', '--upstreams.green.url', 'http://127.0.0.1:10'] })
  const app = await build({ config, logger: pino({ level: 'silent' }), store: new MemoryStore() })
  t.teardown(() => app.close())
  app.admin.post('/admin/with-schema', { schema: { body: { type: 'object' } } }, async () => ({}))
  await t.rejects(async () => { await app.admin.ready() }, /switchyard routes declare no JSON schemas: validate in code/)
  app.proxy.get('/with-schema', { schema: { response: { 200: { type: 'object' } } } }, async () => ({}))
  await t.rejects(async () => { await app.proxy.ready() }, /switchyard routes declare no JSON schemas: answers are serialised/)
})
