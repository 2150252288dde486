// Testing green on real traffic before it serves anyone: preview, shadow, canary, progressive.
import t, { type Test } from 'tap'
import { Pool, request } from 'undici'
import { irisAgreement } from '../../src/demo/compare.js'
import { irisData } from '../../src/demo/iris.js'
import { startModelServer, type ModelServer } from '../helpers/model-server.js'
import { startSwitchyard, type TestSwitchyard } from '../helpers/switchyard.js'
import { until } from '../helpers/until.js'

const ROW = '{"data": [[5.1, 3.5, 1.4, 0.2]]}'

async function predict (url: string, body = ROW, headers: Record<string, string> = {}): Promise<{ status: number, colour: string, version: string, ms: number, body: string }> {
  const started = performance.now()
  const res = await request(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
  const text = await res.body.text()
  return { status: res.statusCode, colour: String(res.headers['x-switchyard-colour']), version: String(res.headers['x-model-version']), ms: performance.now() - started, body: text }
}


function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function setup (t: Test, args: string[] = []): Promise<{ blue: ModelServer, green: ModelServer, sy: TestSwitchyard }> {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  // Health probes once an hour: the model servers' request counts are then the traffic alone.
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url, args: ['--health.interval', '1h', '--health.timeout', '1s', ...args] })
  return { blue, green, sy }
}

t.test('shadow off: the standby gets nothing', async (t) => {
  const { green, sy } = await setup(t)
  const before = green.requests
  for (let i = 0; i < 20; i++) await predict(sy.proxyUrl)
  t.equal(green.requests, before)
})

t.test('shadow 100%: the standby gets every request, the client gets the active colour\'s answers', async (t) => {
  const { green, sy } = await setup(t)
  t.equal((await sy.admin('POST', '/admin/shadow', { percent: 100 })).status, 200)
  const before = green.requests
  const answers = []
  for (let i = 0; i < 30; i++) answers.push(await predict(sy.proxyUrl))
  t.ok(answers.every((a) => a.status === 200 && a.colour === 'blue' && a.version === 'v1'))
  t.ok(await until(() => green.requests - before === 30), `green received ${green.requests - before} of 30`)
  t.ok(await until(async () => (await sy.admin('GET', '/admin/shadow')).body.compared === 30))
  t.match((await sy.admin('GET', '/admin/shadow')).body, { standby: 'green', percent: 100, mirrored: 30, compared: 30, agreed: 30, disagreed: 0, standbyErrors: 0, dropped: 0, agreement: 1 })
})

t.test('a standby that takes 2 s does not slow the client', async (t) => {
  const { green, sy } = await setup(t)
  const off: number[] = []
  for (let i = 0; i < 30; i++) off.push((await predict(sy.proxyUrl)).ms)
  green.setFault({ delayMs: 2000 })
  await sy.admin('POST', '/admin/shadow', { percent: 100 })
  const on: number[] = []
  for (let i = 0; i < 30; i++) on.push((await predict(sy.proxyUrl)).ms)
  // A ratio with slack, not a fixed time: the shadow's 2 s must not show up at all.
  t.ok(median(on) <= 5 * median(off) + 20, `median ${median(on).toFixed(1)} ms with the shadow on, ${median(off).toFixed(1)} ms off`)
  t.ok(Math.max(...on) < 2000, 'no client request waited for the standby')
  await sy.admin('POST', '/admin/shadow', { percent: 0 })
  green.setFault(null)
})

t.test('agreement on the 150 Iris rows is counted exactly', async (t) => {
  const { sy } = await setup(t)
  await sy.admin('POST', '/admin/shadow', { percent: 100 })
  const { rows } = irisData()
  for (const row of rows) await predict(sy.proxyUrl, JSON.stringify({ data: [row] }))
  t.ok(await until(async () => (await sy.admin('GET', '/admin/shadow')).body.compared === 150))
  const report = (await sy.admin('GET', '/admin/shadow')).body
  // Worked out by running both models over the data set directly, without the proxy: 144 alike.
  t.equal(irisAgreement('logistic', 'forest'), 144)
  t.match(report, { compared: 150, agreed: 144, disagreed: 6, agreement: 144 / 150 })
  const disagreements = report.disagreements as Array<Record<string, unknown>>
  t.equal(disagreements.length, 6)
  t.match(disagreements[0], { path: '/invocations', input: /^\{"data":\[\[/, active: { colour: 'blue', status: 200, body: /predictions/ }, standby: { colour: 'green', status: 200 } })
  const latency = report.latency as Record<string, Record<string, number>>
  t.ok((latency.active?.p50Ms ?? 0) > 0 && (latency.standby?.p99Ms ?? 0) > 0, 'latency of both colours on the same inputs')

  t.test('the promotion gate refuses, then accepts', async (t) => {
    const refused = await sy.admin('POST', '/admin/switch', { to: 'green', gate: { minShadowRequests: 100, minAgreement: 0.99 } })
    t.equal(refused.status, 412)
    t.match(refused.body, { error: 'SW_ERR_GATE_FAILED', message: /agreement 0\.9600 < 0\.99/, gate: { minAgreement: 0.99 }, shadow: { compared: 150, agreement: 0.96 } })
    t.equal((await sy.admin('GET', '/admin/status')).body.active, 'blue')
    const more = await sy.admin('POST', '/admin/switch', { to: 'green', gate: { minShadowRequests: 1000 } })
    t.equal(more.status, 412)
    t.match(more.body, { message: /150 compared shadow requests < 1000/ })
    const ok = await sy.admin('POST', '/admin/switch', { to: 'green', gate: { minShadowRequests: 100, minAgreement: 0.95, maxStandbyErrorRate: 0.01 } })
    t.equal(ok.status, 200)
    t.equal(ok.body.active, 'green')
  })
})

t.test('the gate from config applies to every switch; force overrides it', async (t) => {
  const { sy } = await setup(t, ['--shadow.gate.minShadowRequests', '10'])
  const refused = await sy.admin('POST', '/admin/switch', { to: 'green' })
  t.equal(refused.status, 412)
  t.match(refused.body, { message: /0 compared shadow requests < 10/ })
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green', force: true })).status, 200)
})

t.test('canary weight 20 sends 20% of 5,000 requests to the standby', async (t) => {
  const { sy } = await setup(t)
  t.match((await sy.admin('POST', '/admin/canary', { weight: 20 })).body, { weight: 20, standby: 'green' })
  const client = new Pool(sy.proxyUrl, { connections: 16 })
  t.teardown(() => client.close())
  let green = 0
  let sent = 0
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (sent < 5000) {
      sent++
      const res = await client.request({ method: 'GET', path: '/version' })
      const body = await res.body.text()
      if (res.headers['x-switchyard-colour'] === 'green') {
        green++
        if (body !== 'v2') t.fail('a green answer from blue')
      }
    }
  }))
  // 5 standard deviations of a binomial(5000, 0.2) is about 141: 20% +- 3%.
  t.ok(green > 850 && green < 1150, `${green} of 5000 went to green`)
  t.equal((await sy.admin('GET', '/admin/status')).body.active, 'blue', 'weight is not a switch')
})

t.test('sticky keys never change colour at a fixed weight', async (t) => {
  const { sy } = await setup(t, ['--canary.stickyHeader', 'x-user-id'])
  await sy.admin('POST', '/admin/canary', { weight: 30 })
  const seen = new Map<string, Set<string>>()
  for (let round = 0; round < 4; round++) {
    for (let user = 0; user < 100; user++) {
      const a = await predict(sy.proxyUrl, ROW, { 'x-user-id': `user-${user}` })
      const set = seen.get(`user-${user}`) ?? new Set()
      set.add(a.colour)
      seen.set(`user-${user}`, set)
    }
  }
  t.ok([...seen.values()].every((s) => s.size === 1), 'each user always on one colour')
  const onGreen = [...seen.values()].filter((s) => s.has('green')).length
  t.ok(onGreen > 10 && onGreen < 50, `${onGreen} of 100 users on green`)
})

t.test('a progressive switch completes', async (t) => {
  const { sy } = await setup(t)
  const started = await sy.admin('POST', '/admin/switch', { to: 'green', steps: [10, 50, 100], stepInterval: '200ms', reason: 'v2 in steps' })
  t.equal(started.status, 202)
  t.match(started.body, { progress: { to: 'green', steps: [10, 50, 100], step: 0, weight: 10 } })
  const busy = await sy.admin('POST', '/admin/canary', { weight: 5 })
  t.equal(busy.status, 409)
  t.match(busy.body, { error: 'SW_ERR_PROGRESSION_RUNNING' })
  const mid = await sy.admin('GET', '/admin/status')
  t.match(mid.body, { active: 'blue', canary: { progress: { to: 'green' } } })
  t.ok(await until(async () => (await sy.admin('GET', '/admin/status')).body.active === 'green'), 'switched after the last step')
  const status = (await sy.admin('GET', '/admin/status')).body
  t.match(status, { active: 'green', phase: 'baking', by: 'progressive', reason: 'v2 in steps', canary: { weight: 0, progress: null, lastOutcome: { completed: true } } })
})

t.test('a progressive switch aborts on a failing green', async (t) => {
  const { green, sy } = await setup(t)
  green.setFault({ status: 500 })
  await sy.admin('POST', '/admin/switch', { to: 'green', steps: [50, 100], stepInterval: '5s' })
  const answers = []
  for (let i = 0; i < 40; i++) answers.push(await predict(sy.proxyUrl))
  t.ok(answers.every((a) => a.status === 200), 'the shield kept the canary\'s failures from clients')
  t.ok(await until(async () => ((await sy.admin('GET', '/admin/canary')).body.lastOutcome as unknown) !== null))
  const canary = (await sy.admin('GET', '/admin/canary')).body
  t.match(canary, { weight: 0, progress: null, lastOutcome: { to: 'green', completed: false, reason: /aborted by the guard: canary: 5 failures in a row/ } })
  t.equal((await sy.admin('GET', '/admin/status')).body.active, 'blue')
})

t.test('abort stops a progressive switch by hand', async (t) => {
  const { sy } = await setup(t)
  await sy.admin('POST', '/admin/switch', { to: 'green', steps: [25, 100], stepInterval: '10s' })
  const aborted = await sy.admin('POST', '/admin/abort', { reason: 'not today' })
  t.match(aborted.body, { aborted: true, outcome: { completed: false, reason: 'aborted: not today' }, weight: 0 })
  t.match((await sy.admin('POST', '/admin/abort')).body, { aborted: false })
})

t.test('bad bodies for shadow, canary and steps are refused with the problem named', async (t) => {
  const { sy } = await setup(t)
  const cases: Array<[string, unknown, RegExp]> = [
    ['/admin/shadow', { percent: 150 }, /percent: required, a number from 0 to 100/],
    ['/admin/shadow', { percent: '50' }, /percent/],
    ['/admin/canary', {}, /weight: required/],
    ['/admin/canary', { weight: 10, colour: 'green' }, /colour: unknown field/],
    ['/admin/switch', { to: 'green', steps: [50, 25] }, /steps: must be a list/],
    ['/admin/switch', { to: 'green', stepInterval: '1m' }, /stepInterval: only goes with steps/],
    ['/admin/switch', { to: 'green', steps: [50], stepInterval: 'soon' }, /stepInterval: must be a duration/],
    ['/admin/switch', { to: 'green', steps: [50], stepInterval: '169h' }, /stepInterval: must be a duration from 100ms to 168h/],
    ['/admin/shadow', { percent: 50, reset: 'yes' }, /reset: must be true or false/],
    ['/admin/switch', { to: 'green', gate: { minAgreement: 2 } }, /gate.minAgreement: must be a number from 0 to 1/],
    ['/admin/switch', { to: 'green', gate: 'strict' }, /gate: must be an object/]
  ]
  for (const [path, body, message] of cases) {
    const res = await sy.admin('POST', path, body)
    t.equal(res.status, 400, `${path} ${JSON.stringify(body)}`)
    t.match(res.body, { error: 'SW_ERR_BAD_BODY', message })
  }
})

t.test('preview: a header sends a request to a colour, not counted as live traffic', async (t) => {
  const { sy } = await setup(t, ['--preview.enabled', 'true'])
  const preview = await predict(sy.proxyUrl, ROW, { 'x-switchyard-target': 'green' })
  t.match(preview, { status: 200, colour: 'green', version: 'v2' })
  const live = await predict(sy.proxyUrl)
  t.equal(live.colour, 'blue')
  const metrics = await (await request(`${sy.adminUrl}/metrics`)).body.text()
  t.match(metrics, /switchyard_requests_total\{colour="green",outcome="ok"\} 0/)
  t.match(metrics, /switchyard_requests_total\{colour="blue",outcome="ok"\} 1/)
  const bad = await predict(sy.proxyUrl, ROW, { 'x-switchyard-target': 'purple' })
  t.equal(bad.status, 400)
  t.match(JSON.parse(bad.body), { error: 'SW_ERR_UNKNOWN_COLOUR' })
})

t.test('preview with requireToken needs the admin token; preview off ignores the header', async (t) => {
  const { sy } = await setup(t, ['--preview.enabled', 'true', '--preview.requireToken', 'true', '--admin.token', 'pv-token'])
  const refused = await predict(sy.proxyUrl, ROW, { 'x-switchyard-target': 'green' })
  t.equal(refused.status, 401)
  t.match(JSON.parse(refused.body), { error: 'SW_ERR_PREVIEW_UNAUTHORIZED' })
  t.equal((await predict(sy.proxyUrl, ROW, { 'x-switchyard-target': 'green', authorization: 'Bearer pv-token' })).colour, 'green')
  const { sy: plain } = await setup(t)
  t.equal((await predict(plain.proxyUrl, ROW, { 'x-switchyard-target': 'green' })).colour, 'blue')
})
