// The smoke gate over real sockets, with the shipped Iris smoke file: it passes on the demo's blue
// and green; a switch (plain or progressive) to a colour that fails it is refused with 412 and
// says which request failed and how; force still switches.
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { main, type Io } from '../../src/cli/main.js'
import { startBlueGreen } from '../helpers/model-server.js'
import { startSwitchyard } from '../helpers/switchyard.js'

const IRIS = fileURLToPath(new URL('../../config/smoke/iris.yaml', import.meta.url))
const TOKEN = 'smoke-token'
const AUTH = { authorization: `Bearer ${TOKEN}` }

function capture (env: Record<string, string | undefined>): Io & { stdout: string[], stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), env }
}

async function setup (t: Test, smoke = IRIS, cwd?: string) {
  const { blue, green } = await startBlueGreen(t)
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, args: ['--smoke', smoke], env: { SWITCHYARD_ADMIN_TOKEN: TOKEN }, ...(cwd === undefined ? {} : { cwd }) })
  return { blue, green, sy }
}

t.test('the Iris smoke file passes on the demo\'s blue and green; the switch runs it first', async (t) => {
  const { green, sy } = await setup(t)
  for (const colour of ['blue', 'green']) {
    const res = await sy.admin('POST', '/admin/smoke', { colour }, AUTH)
    t.equal(res.status, 200, colour)
    t.match(res.body, { colour, ok: true, total: 3, passed: 3, failed: 0, results: [{ name: 'setosa', ok: true, status: 200 }, { name: 'virginica', ok: true }, { name: 'one of each (CSV)', ok: true }] })
  }
  const before = green.requests
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green' }, AUTH)).status, 200)
  t.ok(green.requests - before >= 4, 'the probe and the three smoke requests reached green before the switch')
  t.equal((await sy.admin('POST', '/admin/smoke', { colour: 'green' })).status, 401, 'needs the token')
  t.match((await sy.admin('POST', '/admin/smoke', { colour: 'purple' }, AUTH)).body, { error: 'SW_ERR_UNKNOWN_COLOUR' })
  t.match((await sy.admin('POST', '/admin/smoke', {}, AUTH)).body, { error: 'SW_ERR_BAD_BODY', message: 'colour: required ("blue" or "green")' })
})

t.test('fails on status: 412 names the request and the answer; traffic stays; force switches', async (t) => {
  const { green, sy } = await setup(t)
  green.setFault({ status: 500 })
  const refused = await sy.admin('POST', '/admin/switch', { to: 'green' }, AUTH)
  t.equal(refused.status, 412)
  t.match(refused.body, {
    error: 'SW_ERR_SMOKE_FAILED',
    message: /^colour green failed the smoke test: "setosa": expected status 200, got 500: .*; "virginica": expected status 200, got 500/,
    colour: 'green',
    smoke: { ok: false, failed: 3, results: [{ name: 'setosa', ok: false, status: 500, problem: /^expected status 200, got 500/ }] }
  })
  t.equal((await sy.admin('GET', '/admin/status')).body.active, 'blue', 'nothing switched')
  const res = await request(`${sy.proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}' })
  await res.body.dump()
  t.equal(res.headers['x-switchyard-colour'], 'blue')

  const progressive = await sy.admin('POST', '/admin/switch', { to: 'green', steps: [10, 100], stepInterval: '1s' }, AUTH)
  t.equal(progressive.status, 412, 'a progressive switch runs the smoke before its first step')
  t.match((await sy.admin('GET', '/admin/canary')).body, { weight: 0, progress: null })

  const forced = await sy.admin('POST', '/admin/switch', { to: 'green', force: true }, AUTH)
  t.equal(forced.status, 200, 'force skips the probe and the smoke test')
  t.equal((await sy.admin('GET', '/admin/status')).body.active, 'green')
})

t.test('fails on wrong predictions and on a timeout', async (t) => {
  const dir = t.testdir({
    'wrong.yaml': 'smoke:\n  - { name: setosa as virginica, path: /invocations, body: \'{"inputs": [[5.1, 3.5, 1.4, 0.2]]}\', expect: { predictions: [2] } }\n',
    'slow.yaml': 'smoke:\n  - { name: quick, path: /invocations, timeout: 300ms, body: \'{"inputs": [[5.1, 3.5, 1.4, 0.2]]}\' }\n'
  })
  const wrong = await setup(t, `${dir}/wrong.yaml`, dir)
  const refused = await wrong.sy.admin('POST', '/admin/switch', { to: 'green' }, AUTH)
  t.equal(refused.status, 412)
  t.match(refused.body, { error: 'SW_ERR_SMOKE_FAILED', message: /"setosa as virginica": expected predictions \[2\], got \[0\]/ })

  const slow = await setup(t, `${dir}/slow.yaml`, dir)
  slow.green.setFault({ delayMs: 2000 })
  const started = Date.now()
  const timedOut = await slow.sy.admin('POST', '/admin/switch', { to: 'green' }, AUTH)
  t.equal(timedOut.status, 412)
  t.match(timedOut.body, { message: /"quick": no answer in 300 ms/, smoke: { results: [{ status: null, problem: 'no answer in 300 ms' }] } })
  t.ok(Date.now() - started < 1500, 'the switch gave up at the smoke timeout')
})

t.test('switchyard smoke <colour>', async (t) => {
  const { green, sy } = await setup(t)
  const env = { SWITCHYARD_ADMIN_URL: sy.adminUrl, SWITCHYARD_ADMIN_TOKEN: TOKEN }
  let io = capture(env)
  t.equal(await main(['smoke', 'green'], io), 0)
  t.match(io.stdout.join('\n'), /^smoke green: 3 of 3 passed\n {2}ok {4}setosa\s+200/)
  green.setFault({ status: 503 })
  io = capture(env)
  t.equal(await main(['smoke', 'green'], io), 1)
  t.match(io.stderr[0], /^switchyard: colour green failed the smoke test: "setosa": expected status 200, got 503.*\(SW_ERR_SMOKE_FAILED, HTTP 412\)$/)
  io = capture(env)
  t.equal(await main(['smoke'], io), 1)
  t.match(io.stderr[0], /smoke needs exactly one colour/)
})
