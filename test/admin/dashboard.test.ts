// The dashboard's routes over real sockets: the page and everything it loads come from the admin
// listener, /admin/timeline has the last minutes, /admin/events streams them live and never
// keeps switchyard from stopping. (The page in a browser: test/integration/dashboard.test.ts.)
import { Script } from 'node:vm'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { SCRIPT } from '../../src/admin/dashboard/script.js'
import { startModelServer } from '../helpers/model-server.js'
import { startSwitchyard, type TestSwitchyard } from '../helpers/switchyard.js'

async function start (t: Test, args: string[] = [], env: Record<string, string> = {}): Promise<TestSwitchyard> {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  return startSwitchyard(t, { blue: blue.url, green: green.url, args, env })
}

async function get (url: string): Promise<{ status: number, type: string, headers: Record<string, unknown>, text: string }> {
  const res = await request(url)
  return { status: res.statusCode, type: String(res.headers['content-type']), headers: res.headers, text: await res.body.text() }
}

async function until (check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}

t.test('the page and everything it loads are served by switchyard', async (t) => {
  const sy = await start(t)
  const page = await get(`${sy.adminUrl}/`)
  t.equal(page.status, 200)
  t.equal(page.type, 'text/html; charset=utf-8')
  t.match(page.headers, {
    'content-security-policy': /default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'.*frame-ancestors 'none'/,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff'
  })
  t.match(page.text, /<body data-token-required="false">/)
  t.match(page.text, /id="banner"/)

  const refs = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string)
  t.ok(refs.length >= 6, `${refs.length} references`)
  t.same(refs.filter((ref) => !ref.startsWith('/')), [], 'every reference is a path on this listener')
  const types: Record<string, RegExp> = { '.js': /^text\/javascript/, '.css': /^text\/css/, '.svg': /^image\/svg\+xml/ }
  for (const ref of refs.filter((r) => r.startsWith('/dashboard/'))) {
    const asset = await get(`${sy.adminUrl}${ref}`)
    t.equal(asset.status, 200, ref)
    t.match(asset.type, types[ref.slice(ref.lastIndexOf('.'))] as RegExp, `${ref}: ${asset.type}`)
    t.notMatch(asset.text, /(?:src=|href=|url\(|fetch\(|import\(|EventSource\()\s*['"]?https?:/, `${ref} loads nothing from elsewhere`)
  }
  for (const ref of ['/metrics', '/admin/status', '/admin/history']) t.equal((await get(`${sy.adminUrl}${ref}`)).status, 200, ref)
})

t.test('the script is valid JavaScript, written without template literals', async (t) => {
  t.doesNotThrow(() => new Script(SCRIPT, { filename: 'app.js' }))
  t.notOk(SCRIPT.includes('`'), 'no backticks (it lives in a String.raw template)')
})

t.test('with a token set, the page knows to ask for it', async (t) => {
  const sy = await start(t, [], { SWITCHYARD_ADMIN_TOKEN: 'tok-page' })
  const page = await get(`${sy.adminUrl}/`)
  t.match(page.text, /<body data-token-required="true">/)
  t.notOk(page.text.includes('tok-page'), 'and never shows it')
})

t.test('/admin/timeline: a sample a second per colour', async (t) => {
  const sy = await start(t)
  const sent = Date.now()
  for (let i = 0; i < 20; i++) await (await request(`${sy.proxyUrl}/version`)).body.dump()
  let body: { intervalMs: number, samples: Array<Record<string, { rps: number } | number | string>> } = { intervalMs: 0, samples: [] }
  await until(async () => {
    body = JSON.parse((await get(`${sy.adminUrl}/admin/timeline`)).text) as typeof body
    return body.samples.reduce((sum, s) => sum + (s.blue as { rps: number }).rps, 0) > 0
  }, 'a sample with the traffic')
  t.equal(body.intervalMs, 1000)
  const sample = body.samples.at(-1)
  t.match(sample, { t: Number, active: 'blue', blue: { rps: Number }, green: { rps: 0, errorRate: null, p99Ms: null } })
  t.ok((sample?.t as number) >= sent)
  const busy = body.samples.find((s) => (s.blue as { rps: number }).rps > 0)
  t.match(busy, { blue: { errorRate: 0, p99Ms: Number } })
})

interface Frame { event: string, data: Record<string, unknown> }

t.test('/admin/events streams the timeline, the status and the history, and does not hold up a stop', async (t) => {
  const sy = await start(t, ['--shutdown.timeout', '1h'])
  const res = await request(`${sy.adminUrl}/admin/events`)
  t.equal(res.statusCode, 200)
  t.match(res.headers, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': /no-cache/ })
  const frames: Frame[] = []
  let buffer = ''
  let ended = false
  res.body.setEncoding('utf8')
  res.body.on('data', (chunk: string) => {
    buffer += chunk
    let cut: number
    while ((cut = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, cut)
      buffer = buffer.slice(cut + 2)
      const event = /^event: (.+)$/m.exec(block)?.[1]
      const data = /^data: (.+)$/m.exec(block)?.[1]
      if (event !== undefined && data !== undefined) frames.push({ event, data: JSON.parse(data) as Record<string, unknown> })
    }
  })
  res.body.on('end', () => { ended = true })

  await until(() => frames.length >= 3, 'the first frames')
  t.same(frames.slice(0, 3).map((f) => f.event), ['timeline', 'status', 'history'])
  t.match(frames[0]?.data, { intervalMs: 1000, samples: Array })
  t.match(frames[1]?.data, { active: 'blue', version: 1, upstreams: { blue: { healthy: true } }, guard: { windows: { blue: { requests: 0 } } } })
  t.match(frames[2]?.data, { total: 1, entries: [{ version: 1, kind: 'init', to: 'blue' }] })

  await until(() => frames.some((f) => f.event === 'sample'), 'a sample')
  t.match(frames.find((f) => f.event === 'sample')?.data, { t: Number, active: 'blue', blue: { rps: Number }, green: { rps: Number } })

  const seen = frames.length
  t.equal((await sy.admin('POST', '/admin/switch', { to: 'green', reason: 'watch it' })).status, 200)
  await until(() => frames.slice(seen).some((f) => f.event === 'history'), 'the change')
  t.match(frames.slice(seen).find((f) => f.event === 'status')?.data, { active: 'green', version: 2, phase: 'baking' })
  t.match(frames.slice(seen).find((f) => f.event === 'history')?.data, { total: 2, entries: [{ version: 2, kind: 'switch', reason: 'watch it', actor: '127.0.0.1' }] })

  // shutdown.timeout is an hour: were the stream to hold the admin server open, stop() would hang.
  const stopped = await Promise.race([sy.stop().then(() => 'stopped'), new Promise((resolve) => setTimeout(resolve, 20_000).unref()).then(() => 'still stopping after 20 s')])
  t.equal(stopped, 'stopped')
  await until(() => ended, 'the stream to end')
  t.notOk(sy.logs.some((l) => l.msg === 'requests still in flight at the shutdown timeout; closing their connections'))
})
