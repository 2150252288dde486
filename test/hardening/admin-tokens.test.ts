// Several admin tokens with labels, rotation without a restart, and the bound on failed token
// checks, over real sockets. The label is who the audit trail names; no token is ever logged.
import { rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { build } from '../../src/app.js'
import { loadConfig } from '../../src/config/load.js'
import { startBlueGreen } from '../helpers/model-server.js'
import { startSwitchyard, type TestSwitchyard } from '../helpers/switchyard.js'
import { until } from '../helpers/until.js'

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

async function setup (t: Test, options: { args?: string[], env?: Record<string, string>, cwd?: string } = {}): Promise<TestSwitchyard> {
  const { blue, green } = await startBlueGreen(t)
  return await startSwitchyard(t, { blue: blue.url, green: green.url, ...options })
}

t.test('each token carries a label, and the label is the actor in history and in the log', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'tokens')
  await writeFile(file, '# label token\nrelease-bot tok-file-bot-1\n')
  const sy = await setup(t, {
    env: { SWITCHYARD_ADMIN_TOKEN: 'tok-single', SWITCHYARD_ADMIN_TOKENS: '[{"label": "ci", "token": "tok-ci"}, {"label": "alice@ops", "token": "tok-alice"}]' },
    args: ['--admin.tokensFile', file],
    cwd: dir
  })
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' }, bearer('tok-ci'))).status, 200)
  t.equal((await sy.admin('POST', '/admin/rollback', {}, bearer('tok-alice'))).status, 200)
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' }, bearer('tok-single'))).status, 200)
  t.equal((await sy.admin('POST', '/admin/rollback', {}, bearer('tok-file-bot-1'))).status, 200)
  t.equal((await sy.admin('POST', '/admin/canary', { weight: 5 }, bearer('tok-ci'))).status, 200)
  t.equal((await sy.admin('POST', '/admin/shadow', { percent: 5 }, bearer('tok-alice'))).status, 200)

  const history = await sy.admin('GET', '/admin/history')
  t.same((history.body.entries as Array<{ actor?: string }>).slice(0, 4).map((entry) => entry.actor), ['release-bot', 'admin', 'alice@ops', 'ci'], 'newest first')
  const changes = sy.logs.filter((line) => line.msg === 'active colour changed')
  t.same(changes.map((line) => line.actor), ['ci', 'alice@ops', 'admin', 'release-bot'], "the 'active colour changed' line names the label")
  t.match(sy.logs.find((line) => line.msg === 'canary weight set'), { actor: 'ci', weight: 5 })
  t.match(sy.logs.find((line) => line.msg === 'shadow percent set'), { actor: 'alice@ops', percent: 5 })

  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' }, bearer('tok-nobody'))).status, 401)
  t.notMatch(JSON.stringify(sy.logs), /tok-/, 'no token (config, variable or file) appears in a log line')
})

t.test('the tokens file rotates without a restart; a broken file keeps the old tokens and says where', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'tokens')
  await writeFile(file, 'ci tok-rot-1\n')
  const sy = await setup(t, { args: ['--admin.tokensFile', file], cwd: dir })
  t.equal((await sy.admin('POST', '/admin/canary', { weight: 1 }, bearer('tok-rot-1'))).status, 200)

  // The safe way to replace it: write beside it, rename over it.
  await writeFile(join(dir, 'tokens.next'), 'ci tok-rot-2\nops tok-ops\n')
  await rename(join(dir, 'tokens.next'), file)
  t.ok(await until(async () => (await sy.admin('POST', '/admin/canary', { weight: 2 }, bearer('tok-rot-2'))).status === 200), 'the new token works')
  t.equal((await sy.admin('POST', '/admin/canary', { weight: 3 }, bearer('tok-rot-1'))).status, 401, 'the old one no longer does')
  t.match(sy.logs.find((line) => line.msg === 'admin tokens reloaded'), { level: 30, file, labels: ['ci', 'ops'] })

  await writeFile(file, 'ci tok-rot-3\nops\n')
  t.ok(await until(() => sy.logs.some((line) => line.level === 50 && String(line.msg).startsWith('admin tokens file not reloaded'))), 'a broken file is logged at error')
  t.match(sy.logs.find((line) => line.level === 50), { file, problem: `${file}, line 2: expected "label token" (2 fields, got 1)` })
  t.equal((await sy.admin('POST', '/admin/canary', { weight: 4 }, bearer('tok-rot-2'))).status, 200, 'the tokens in force stay')
  t.equal((await sy.admin('POST', '/admin/canary', { weight: 4 }, bearer('tok-rot-3'))).status, 401)

  // SIGHUP does the same as a change on disk (serve() calls reload() on it).
  await writeFile(file, 'ci tok-rot-4\n')
  sy.app.reload()
  t.equal((await sy.admin('POST', '/admin/canary', { weight: 6 }, bearer('tok-rot-4'))).status, 200)
  t.notMatch(JSON.stringify(sy.logs), /tok-rot/, 'no token in any log line')
})

t.test('failed token checks are bounded per address: then 429 with Retry-After, even for the right token', async (t) => {
  const sy = await setup(t, { env: { SWITCHYARD_ADMIN_TOKEN: 'tok-right' }, args: ['--admin.authFailures.limit', '3', '--admin.authFailures.window', '2s'] })
  for (let i = 0; i < 5; i++) t.equal((await sy.admin('POST', '/admin/canary', { weight: 0 }, bearer('tok-right'))).status, 200, 'successes do not count')
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' }, bearer('guess-1'))).status, 401)
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' })).status, 401, 'no token at all is a failure too')
  t.equal((await sy.admin('POST', '/admin/smoke', { colour: 'green' }, bearer('guess-3'))).status, 401)

  const limited = await request(`${sy.adminUrl}/admin/switch`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer('tok-right') }, body: '{"to": "green"}' })
  t.equal(limited.statusCode, 429, 'the right token is refused too while the address is over the limit')
  t.match(limited.headers['retry-after'], /^[12]$/)
  t.match(await limited.body.json(), { error: 'SW_ERR_AUTH_RATE_LIMITED', message: /too many failed token checks from this address: try again in [12] s/, retryAfter: Number })
  t.equal((await sy.admin('GET', '/admin/status')).body.active, 'blue', 'nothing changed')
  t.equal((await sy.admin('GET', '/admin/status')).status, 200, 'reads need no token and are not limited')

  t.ok(await until(async () => (await sy.admin('POST', '/admin/switch', { to: 'green' }, bearer('tok-right'))).status === 200), 'after the window the right token works again')
})

t.test('a preview that needs the token counts toward the same bound, on the public listener', async (t) => {
  const sy = await setup(t, { args: ['--preview.enabled', 'true', '--preview.requireToken', 'true', '--admin.token', 'tok-pv', '--admin.authFailures.limit', '2', '--admin.authFailures.window', '1m'] })
  const preview = (token?: string) => request(`${sy.proxyUrl}/version`, { headers: { 'x-switchyard-target': 'green', ...(token === undefined ? {} : bearer(token)) } })
  const ok = await preview('tok-pv')
  t.equal(ok.statusCode, 200)
  t.equal(await ok.body.text(), 'v2')
  for (const guess of ['guess-1', 'guess-2']) {
    const refused = await preview(guess)
    t.equal(refused.statusCode, 401)
    t.match(await refused.body.json(), { error: 'SW_ERR_PREVIEW_UNAUTHORIZED' })
  }
  const limited = await preview('tok-pv')
  t.equal(limited.statusCode, 429)
  t.match(limited.headers['retry-after'], /^\d+$/)
  t.match(await limited.body.json(), { error: 'SW_ERR_AUTH_RATE_LIMITED' })
  t.equal((await sy.admin('POST', '/admin/canary', { weight: 1 }, bearer('tok-pv'))).status, 429, 'the admin API refuses the address as well')
  const live = await request(`${sy.proxyUrl}/version`)
  t.equal(live.statusCode, 200, 'live traffic (no preview header) is never limited')
  t.equal(await live.body.text(), 'v1')
})

t.test('without a token the actor is the client address', async (t) => {
  const sy = await setup(t)
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' })).status, 200)
  t.match((await sy.admin('GET', '/admin/history')).body.entries, [{ actor: '127.0.0.1' }])
})

t.test('an admin API on a non-loopback address needs at least one token, from any source', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'tokens')
  await writeFile(file, 'ops tok-ops\n')
  const base = ['--upstreams.blue.url', 'http://127.0.0.1:9', '--upstreams.green.url', 'http://127.0.0.1:10', '--state.store', 'memory', '--admin.host', '0.0.0.0', '--health.interval', '1h']
  const logger = pino({ level: 'silent' })
  await t.rejects(build({ config: loadConfig({ env: {}, args: base }), logger }), { code: 'SW_ERR_ADMIN_EXPOSED', message: /admin\.tokens or admin\.tokensFile/ })
  for (const extra of [['--admin.tokensFile', file], ['--admin.tokens', '[{"label": "ci", "token": "tok-ci"}]']]) {
    const app = await build({ config: loadConfig({ env: {}, args: [...base, ...extra] }), logger })
    t.ok(app, `${extra[0] as string} is enough`)
    await app.close()
  }
})
