// A standby that fails in the middle of its answer is a standby error, counted once; the mirror
// is settled (the shadow's in-flight bound is not eaten up) and nothing is left unhandled.
import t from 'tap'
import { httpUpstream } from '../helpers/http-upstream.js'
import { startSwitchyard } from '../helpers/switchyard.js'
import { until } from '../helpers/until.js'

t.test('a standby answer that stalls mid-body is a standby error, and mirrors keep flowing', async (t) => {
  const blue = await httpUpstream(t, (_req, res) => res.end('{"predictions":[1]}'))
  // Headers and half a body, then silence: the shadow's timeout fires during the body.
  const green = await httpUpstream(t, (req, res) => {
    if (req.url === '/ping') return void res.end('ok')
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
    res.write('{"predictions":')
  })
  const sy = await startSwitchyard(t, { blue, green, args: ['--shadow.timeout', '300ms', '--shadow.maxInflight', '2'] })
  t.equal((await sy.admin('POST', '/admin/shadow', { percent: 100 })).status, 200)
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${sy.proxyUrl}/invocations`, { method: 'POST', body: '{"inputs":[1]}', headers: { 'content-type': 'application/json' } })
    t.equal(await res.text(), '{"predictions":[1]}')
    // One at a time: with maxInflight 2, a mirror that never settled would make the next ones drop.
    await until(() => sy.app.shadow.standbyErrors === i + 1)
  }
  const report = (await sy.admin('GET', '/admin/shadow')).body
  t.match(report, { mirrored: 5, standbyErrors: 5, dropped: 0, compared: 0 })
})

t.test('a standby that trickles its answer past the shadow timeout is a standby error, not compared', async (t) => {
  const blue = await httpUpstream(t, (_req, res) => res.end('{"predictions":[1]}'))
  // A chunk every 100 ms never trips the wait between chunks (300 ms), but the whole answer
  // takes over a second: the shadow's timeout bounds the whole exchange.
  let finished = false
  const green = await httpUpstream(t, (req, res) => {
    if (req.url === '/ping') return void res.end('ok')
    res.writeHead(200, { 'content-type': 'application/json' })
    const parts = ['{"predictions":', '[', '1', ']', ' ', ' ', ' ', ' ', ' ', ' ', ' ', '}']
    const timer = setInterval(() => {
      if (res.destroyed) { clearInterval(timer); finished = true; return }
      res.write(parts.shift() as string)
      if (parts.length === 0) { clearInterval(timer); res.end(); finished = true }
    }, 100)
  })
  const sy = await startSwitchyard(t, { blue, green, args: ['--shadow.timeout', '300ms'] })
  t.equal((await sy.admin('POST', '/admin/shadow', { percent: 100 })).status, 200)
  const res = await fetch(`${sy.proxyUrl}/invocations`, { method: 'POST', body: '{"inputs":[1]}', headers: { 'content-type': 'application/json' } })
  t.equal(await res.text(), '{"predictions":[1]}')
  await until(() => finished && sy.app.shadow.standbyErrors + sy.app.shadow.compared === 1)
  t.match((await sy.admin('GET', '/admin/shadow')).body, { mirrored: 1, standbyErrors: 1, compared: 0, agreed: 0 })
})
