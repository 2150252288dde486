// The promise of the product: a switch under load drops nothing and mixes nothing.
import t from 'tap'
import { Pool } from 'undici'
import { startModelServer } from '../helpers/model-server.js'
import { startSwitchyard } from '../helpers/switchyard.js'

const REQUESTS = 5000
const CONCURRENCY = 32
const MIN_SWITCHES = 50

t.test('switch under load drops nothing', async (t) => {
  const blue = await startModelServer(t, { model: 'logistic', version: 'v1' })
  const green = await startModelServer(t, { model: 'forest', version: 'v2' })
  const sy = await startSwitchyard(t, { blue: blue.url, green: green.url })
  const versionOf: Record<string, string> = { blue: 'v1', green: 'v2' }
  const client = new Pool(sy.proxyUrl, { connections: CONCURRENCY })
  t.teardown(() => client.close())

  let sent = 0
  let done = 0
  const failures: string[] = []
  const seen: Record<string, number> = { blue: 0, green: 0 }
  const worker = async (): Promise<void> => {
    while (sent < REQUESTS) {
      const i = sent++
      try {
        if (i % 2 === 0) {
          const res = await client.request({ method: 'GET', path: '/version' })
          const body = await res.body.text()
          const colour = res.headers['x-switchyard-colour'] as string
          if (res.statusCode !== 200 || body !== versionOf[colour]) failures.push(`#${i} ${res.statusCode} ${colour} ${body}`)
          seen[colour] = (seen[colour] ?? 0) + 1
        } else {
          const res = await client.request({ method: 'POST', path: '/invocations', headers: { 'content-type': 'application/json' }, body: '{"data": [[6.7, 3.0, 5.2, 2.3]]}' })
          const body = await res.body.json() as { predictions: number[] }
          const colour = res.headers['x-switchyard-colour'] as string
          if (res.statusCode !== 200 || res.headers['x-model-version'] !== versionOf[colour] || body.predictions.length !== 1) failures.push(`#${i} ${res.statusCode} ${colour}`)
          seen[colour] = (seen[colour] ?? 0) + 1
        }
      } catch (err) {
        failures.push(`#${i} ${(err as Error).message}`)
      }
      done++
    }
  }

  let switches = 0
  const switcher = async (): Promise<void> => {
    // Keep switching until the load is over, and at least MIN_SWITCHES times.
    while (done < REQUESTS || switches < MIN_SWITCHES) {
      const to = switches % 2 === 0 ? 'green' : 'blue'
      const res = await sy.admin('POST', '/admin/switch', { to, reason: `flip ${switches}` })
      if (res.status !== 200) failures.push(`switch ${switches} answered ${res.status}`)
      switches++
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  await Promise.all([switcher(), ...Array.from({ length: CONCURRENCY }, worker)])
  t.equal(done, REQUESTS)
  t.same(failures, [], 'zero failed or mismatched requests')
  t.ok(switches >= MIN_SWITCHES, `${switches} switches during the load`)
  t.ok((seen.blue ?? 0) > 0 && (seen.green ?? 0) > 0, `both colours served (${JSON.stringify(seen)})`)
  const status = await sy.admin('GET', '/admin/status')
  t.equal(status.body.version, switches + 1, 'one version per switch, no gaps')
})
