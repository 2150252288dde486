// `switchyard demo`: two real Iris model servers (blue: logistic regression v1, green: random
// forest v2) behind a switchyard proxy, a short guided tour, then the commands to try by hand.
import { pino } from 'pino'
import { request } from 'undici'
import { parseArgs } from '../cli/args.js'
import { loadConfig } from '../config/load.js'
import { start, type Running } from '../main.js'
import { startModelServer, type ModelServer } from './model-server.js'

export interface DemoOptions {
  out?: (line: string) => void
  /** Resolves when the demo should stop; by default on SIGINT/SIGTERM. */
  until?: Promise<unknown>
}

const SAMPLE = '{"data": [[5.1, 3.5, 1.4, 0.2], [6.2, 2.8, 4.8, 1.8], [6.3, 2.7, 4.9, 1.8]]}'

function port (value: string | true | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isInteger(n) || n > 65535) throw new Error(`--${name} must be a port number from 0 to 65535`)
  return n
}

async function predict (proxyUrl: string): Promise<string> {
  const res = await request(`${proxyUrl}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: SAMPLE })
  const body = await res.body.text()
  return `${res.statusCode} from ${String(res.headers['x-switchyard-colour'])} (model ${String(res.headers['x-model-version'])}): ${body}`
}

async function admin (adminUrl: string, path: string, body: unknown): Promise<string> {
  const res = await request(`${adminUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return `${res.statusCode} ${await res.body.text()}`
}

export async function runDemo (argv: readonly string[], options: DemoOptions = {}): Promise<void> {
  const out = options.out ?? ((line: string) => process.stdout.write(line + '\n'))
  const args = parseArgs(argv, new Set(['exit']), ['port', 'admin-port', 'blue-port', 'green-port', 'exit'])
  const servers: ModelServer[] = []
  let running: Running | undefined
  try {
    const blue = await startModelServer({ model: 'logistic', version: 'v1', name: 'blue', port: port(args.flags.get('blue-port'), 5001, 'blue-port') })
    servers.push(blue)
    const green = await startModelServer({ model: 'forest', version: 'v2', name: 'green', port: port(args.flags.get('green-port'), 5002, 'green-port') })
    servers.push(green)
    const config = loadConfig({
      env: {},
      args: [
        '--listen.host', '127.0.0.1', '--listen.port', String(port(args.flags.get('port'), 8080, 'port')),
        '--admin.port', String(port(args.flags.get('admin-port'), 8081, 'admin-port')),
        '--upstreams.blue.url', blue.url, '--upstreams.green.url', green.url,
        '--state.store', 'memory', '--health.interval', '1s', '--health.timeout', '500ms', '--log.level', 'warn',
        // The demo shows how to try green through the stable endpoint before switching.
        '--preview.enabled', 'true'
      ]
    })
    running = await start(config, pino({ level: 'warn' }))
    const { proxyUrl, adminUrl } = running

    out('switchyard demo: two real Iris models behind one stable endpoint\n')
    out(`  blue   logistic regression, v1   ${blue.url}`)
    out(`  green  random forest, v2         ${green.url}`)
    out(`  proxy  (clients call this)       ${proxyUrl}`)
    out(`  admin  (operators call this)     ${adminUrl}\n`)
    out('A short tour:')
    out(`  1. predict through the proxy      -> ${await predict(proxyUrl)}`)
    out(`  2. switch to green                -> ${await admin(adminUrl, '/admin/switch', { to: 'green', reason: 'demo: ship v2' })}`)
    out(`  3. the same request, same URL     -> ${await predict(proxyUrl)}`)
    out(`  4. roll back to blue              -> ${await admin(adminUrl, '/admin/rollback', { reason: 'demo: back to v1' })}`)
    out(`  5. and again                      -> ${await predict(proxyUrl)}\n`)
    if (args.flags.get('exit') === true) return

    const env = adminUrl === 'http://127.0.0.1:8081' ? '' : `SWITCHYARD_ADMIN_URL=${adminUrl} `
    out('Try it yourself in another terminal:')
    out(`  curl -si ${proxyUrl}/invocations -H 'content-type: application/json' -d '{"data": [[6.7, 3.0, 5.2, 2.3]]}'`)
    out(`  ${env}npx switchyard status`)
    out(`  ${env}npx switchyard switch green --reason "ship v2"`)
    out(`  ${env}npx switchyard rollback`)
    out(`  curl -si ${proxyUrl}/invocations -H 'x-switchyard-target: green' -H 'content-type: application/json' -d '{"data": [[6.3, 2.7, 4.9, 1.8]]}'`)
    out(`  ${env}npx switchyard shadow 100`)
    out(`  curl -s ${adminUrl}/metrics | grep switchyard_`)
    out(`  open ${adminUrl}/ for the dashboard`)
    out('\nCtrl-C stops the demo.')
    await (options.until ?? new Promise((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    }))
  } catch (err) {
    const e = err as Error & { code?: string }
    if (e.code === 'EADDRINUSE') throw new Error(`${e.message}: pick free ports with --port, --admin-port, --blue-port and --green-port`)
    throw err
  } finally {
    if (running !== undefined) await running.stop()
    await Promise.all(servers.map((s) => s.close()))
  }
}
