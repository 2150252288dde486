// Upstream kinds over real sockets: status shows each colour's kind, readiness and version, and a
// switch to a server that is up but not ready is refused until it is.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import t from 'tap'
import { parse as parseYaml } from 'yaml'
import { build } from '../../src/app.js'
import { loadConfig } from '../../src/config/load.js'
import { CONFIG_INVALID } from '../../src/errors.js'
import { MemoryStore } from '../../src/state/memory-store.js'
import { kindProblems } from '../../src/upstreams/kinds.js'
import { startHttpServer, startKserveV1Server, startOipServer, startTorchServe } from '../helpers/kind-servers.js'
import { startModelServer } from '../helpers/model-server.js'
import { startSwitchyard } from '../helpers/switchyard.js'

t.test('oip blue, kserve-v1 green still loading: status says so, the switch waits for ready', async (t) => {
  const blue = await startOipServer(t, { model: 'iris', versions: ['3'] })
  const green = await startKserveV1Server(t, { model: 'iris', ready: false })
  const sy = await startSwitchyard(t, {
    blue: blue.url,
    green: green.url,
    args: ['--upstreams.blue.kind', 'oip', '--upstreams.blue.model', 'iris', '--upstreams.green.kind', 'kserve-v1', '--upstreams.green.model', 'iris']
  })
  const status = (await sy.admin('GET', '/admin/status')).body
  t.match(status.upstreams, {
    blue: { kind: 'oip', ready: true, healthy: true, version: '3' },
    green: { kind: 'kserve-v1', ready: false, healthy: false, version: null, lastError: 'GET /v1/models/iris: the model is not ready ("ready": false)' }
  })
  const refused = await sy.admin('POST', '/admin/switch', { to: 'green' })
  t.equal(refused.status, 503)
  t.match(refused.body, { error: 'SW_ERR_TARGET_UNHEALTHY', message: /the model is not ready/ })
  green.ready = true
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' })).status, 200, 'ready now: switched')
  t.match((await sy.admin('GET', '/admin/status')).body.upstreams, { green: { kind: 'kserve-v1', ready: true, active: true } })
})

t.test('torchserve and http kinds; mlflow reports the version its /version says', async (t) => {
  const torch = await startTorchServe(t, { ready: false })
  const http = await startHttpServer(t, { path: '/healthz', readyStatus: 204 })
  const sy = await startSwitchyard(t, {
    blue: http.url,
    green: torch.url,
    args: ['--upstreams.blue.kind', 'http', '--upstreams.blue.healthPath', '/healthz', '--upstreams.blue.readyStatus', '204', '--upstreams.green.kind', 'torchserve']
  })
  t.match((await sy.admin('GET', '/admin/status')).body.upstreams, {
    blue: { kind: 'http', ready: true, version: null },
    green: { kind: 'torchserve', ready: false, lastError: 'GET /ping answered 500 ("status": "Unhealthy")' }
  })
  t.same(torch.seen.filter((r) => r !== 'GET /ping'), [], 'torchserve is asked /ping only')

  const v1 = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const v2 = await startModelServer(t, { model: 'forest', version: 'v2' })
  const ml = await startSwitchyard(t, { blue: v1.url, green: v2.url })
  t.match((await ml.admin('GET', '/admin/status')).body.upstreams, { blue: { kind: 'mlflow', ready: true, version: 'v1' }, green: { kind: 'mlflow', ready: true, version: 'v2' } })
})

t.test('kserve-v1 without a model name refuses to start', async (t) => {
  const config = loadConfig({ cwd: t.testdir({}), env: {}, args: ['--upstreams.blue.url', 'http://127.0.0.1:9', '--upstreams.green.url', 'http://127.0.0.1:10', '--upstreams.green.kind', 'kserve-v1', '--state.store', 'memory'] })
  const err = await build({ config, logger: pino({ level: 'silent' }), store: new MemoryStore() }).then(() => null, (e: unknown) => e)
  t.ok(CONFIG_INVALID.is(err))
  t.match(err, { message: /upstreams\.green\.model: is required when upstreams\.green\.kind is "kserve-v1"/ })
})

t.test('each kind\'s config in the README loads, with its smoke requests', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('<!-- kinds:start -->'), readme.indexOf('<!-- kinds:end -->'))
  const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string)
  t.equal(blocks.length, 5, 'one per kind')
  const root = fileURLToPath(new URL('../../', import.meta.url))
  const kinds = new Set<string>()
  for (const [i, yaml] of blocks.entries()) {
    const cwd = t.testdir({ 'c.yaml': yaml })
    // A smoke file's path is taken from the working directory: the repository's root, here.
    const smokeFile = (parseYaml(yaml) as { smoke?: unknown }).smoke
    const args = typeof smokeFile === 'string' ? ['--smoke', join(root, smokeFile)] : []
    const config = loadConfig({ cwd, file: 'c.yaml', env: {}, args })
    if (typeof smokeFile !== 'string') t.ok(config.smoke.length > 0 || config.upstreams.blue.kind === 'http', `block ${i}: its smoke requests load`)
    for (const colour of ['blue', 'green'] as const) {
      t.same(kindProblems(colour, config.upstreams[colour]), [], `block ${i} ${colour}`)
      kinds.add(config.upstreams[colour].kind)
    }
  }
  t.same([...kinds].sort(), ['http', 'kserve-v1', 'mlflow', 'oip', 'torchserve'])
})
