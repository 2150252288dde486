import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { request } from 'undici'
import { runDemo } from '../../src/demo/run.js'

const free = ['--port', '0', '--admin-port', '0', '--blue-port', '0', '--green-port', '0']

t.test('the demo tour shows a prediction, a switch to green, and a rollback, then exits', async (t) => {
  const lines: string[] = []
  await runDemo([...free, '--exit'], { out: (l) => lines.push(l) })
  const text = lines.join('\n')
  t.match(text, /1\. predict through the proxy\s+-> 200 from blue \(model v1\): \{"predictions":\[0,\d,\d\]\}/)
  t.match(text, /2\. switch to green\s+-> 200 \{"active":"green","previous":"blue","version":2,"changed":true\}/)
  t.match(text, /3\. the same request, same URL\s+-> 200 from green \(model v2\)/)
  t.match(text, /4\. roll back to blue\s+-> 200 \{"active":"blue"/)
  t.match(text, /5\. and again\s+-> 200 from blue/)
  t.notMatch(text, /Try it yourself/)
})

t.test('without --exit it prints the commands to try and serves until told to stop', async (t) => {
  const lines: string[] = []
  let stop: () => void = () => {}
  const until = new Promise<void>((resolve) => { stop = resolve })
  const done = runDemo(free, { out: (l) => lines.push(l), until })
  while (!lines.some((l) => l.includes('Ctrl-C'))) await new Promise((resolve) => setTimeout(resolve, 20))
  const proxy = /proxy\s+\(clients call this\)\s+(\S+)/.exec(lines.join('\n'))?.[1] as string
  const res = await request(`${proxy}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": [[6.7, 3.0, 5.2, 2.3]]}' })
  t.equal(res.statusCode, 200)
  t.same(await res.body.json(), { predictions: [2] })
  t.match(lines.join('\n'), /npx switchyard switch green/)
  stop()
  await done
})

t.test('a busy port is reported with the flags that fix it', async (t) => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())
  const busy = String((blocker.address() as AddressInfo).port)
  await t.rejects(runDemo(['--port', busy, '--admin-port', '0', '--blue-port', '0', '--green-port', '0', '--exit'], { out: () => {} }), /EADDRINUSE.*--port/)
  await t.rejects(runDemo(['--port', 'eighty'], { out: () => {} }), /--port must be a port number/)
})
