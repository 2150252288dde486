import t from 'tap'
import { request } from 'undici'
import { serveModel } from '../../src/demo/serve-model.js'

t.test('serves one model on the given port and stops when told', async (t) => {
  const lines: string[] = []
  let stop: () => void = () => {}
  const until = new Promise<void>((resolve) => { stop = resolve })
  const done = serveModel(['--model', 'forest', '--version', 'v7', '--port', '0'], { out: (l) => lines.push(l), until })
  while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
  const started = JSON.parse(lines[0] as string) as { url: string, model: string, version: string }
  t.match(started, { msg: 'model server listening', model: 'forest', version: 'v7' })
  const res = await request(`${started.url}/version`)
  t.equal(await res.body.text(), 'v7')
  stop()
  await done
})

t.test('defaults the version from the model, and refuses bad flags', async (t) => {
  const lines: string[] = []
  await serveModel(['--port', '0'], { out: (l) => lines.push(l), until: Promise.resolve() })
  t.match(JSON.parse(lines[0] as string), { model: 'logistic', version: 'v1' })
  await t.rejects(serveModel(['--model', 'svm'], { until: Promise.resolve() }), /--model must be one of logistic, forest, cart/)
  await t.rejects(serveModel(['--port', 'x'], { until: Promise.resolve() }), /--port must be a port number/)
  await t.rejects(serveModel(['--colour', 'x'], { until: Promise.resolve() }), /unknown option --colour/)
})
