import { readFileSync } from 'node:fs'
import { parseArgs, type ParsedArgs } from './args.js'
import { AdminApiError, AdminClient } from './client.js'
import { formatCanary, formatChange, formatProgress, formatRegistry, formatShadow, formatSmoke, formatStatus } from './format.js'

export interface Io {
  out: (line: string) => void
  err: (line: string) => void
  env: Record<string, string | undefined>
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  env: process.env
}

const USAGE = `Usage: switchyard <command> [options]

Commands:
  serve [--config FILE] [--key.path VALUE ...]   run the proxy and the admin API
  status                                        show the active colour and both upstreams
  switch <blue|green> [--reason TEXT] [--force] [--expected-version N]
         [--steps 5,25,50,100 --interval 1m]    move live traffic to a colour (in canary steps)
  rollback [--reason TEXT] [--force]            go back to the previous colour
  shadow [<percent>] [--reset]                  mirror a share of live traffic to the standby; show agreement
  canary [<weight>]                             send a share of live traffic to the standby
  abort [--reason TEXT]                         stop a progressive switch or canary
  smoke <blue|green>                            send the configured smoke requests to a colour now
  registry [sync]                               show the registry alias; sync: point it at the active colour's version now
  demo                                          start two Iris model servers and a proxy
  model-server [--model logistic|forest|cart] [--version V] [--host H] [--port N]
                                                one Iris model server speaking MLflow's protocol
  help                                          show this text

Options for status, switch and rollback:
  --admin-url URL   admin API (default $SWITCHYARD_ADMIN_URL or http://127.0.0.1:8081)
  --json            print the API's JSON answer
  The admin token is read from $SWITCHYARD_ADMIN_TOKEN.`

const BOOLEANS = new Set(['json', 'force', 'help', 'reset'])

function version (): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

function clientFor (args: ParsedArgs, io: Io): AdminClient {
  const adminUrl = (args.flags.get('admin-url') as string | undefined) ?? io.env.SWITCHYARD_ADMIN_URL ?? 'http://127.0.0.1:8081'
  return new AdminClient({ adminUrl, token: io.env.SWITCHYARD_ADMIN_TOKEN, timeout: 30_000 })
}

const ALLOWED: Record<string, string[]> = {
  status: ['admin-url', 'json'],
  switch: ['admin-url', 'json', 'reason', 'force', 'expected-version', 'steps', 'interval'],
  rollback: ['admin-url', 'json', 'reason', 'force'],
  shadow: ['admin-url', 'json', 'reset'],
  canary: ['admin-url', 'json'],
  abort: ['admin-url', 'json', 'reason'],
  smoke: ['admin-url', 'json'],
  registry: ['admin-url', 'json']
}

function percentArg (args: ParsedArgs, what: string, usage: string): number | undefined {
  if (args.positionals.length > 1) throw new Error(usage)
  const raw = args.positionals[0]
  if (raw === undefined) return undefined
  const n = Number(raw.replace(/%$/, ''))
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new Error(`${what} must be a number from 0 to 100 (got ${JSON.stringify(raw)})`)
  return n
}

async function adminCommand (command: string, argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, BOOLEANS, ALLOWED[command] ?? [])
  const json = args.flags.get('json') === true
  const client = clientFor(args, io)
  let result: Record<string, unknown>
  let line: string
  if (command === 'status') {
    result = await client.get('/admin/status')
    line = formatStatus(result)
  } else if (command === 'switch') {
    const to = args.positionals[0]
    if (to === undefined || args.positionals.length > 1) throw new Error('switch needs exactly one colour: switchyard switch <blue|green>')
    const body: Record<string, unknown> = { to }
    const reason = args.flags.get('reason')
    if (typeof reason === 'string') body.reason = reason
    if (args.flags.get('force') === true) body.force = true
    const expected = args.flags.get('expected-version')
    if (typeof expected === 'string') {
      if (!/^\d+$/.test(expected)) throw new Error('--expected-version must be a whole number')
      body.expectedVersion = Number(expected)
    }
    const steps = args.flags.get('steps')
    if (typeof steps === 'string') body.steps = steps.split(',').map((w) => Number(w.trim()))
    const interval = args.flags.get('interval')
    if (typeof interval === 'string') body.stepInterval = interval
    result = await client.post('/admin/switch', body)
    line = result.progress !== undefined ? formatProgress(result.progress as Record<string, unknown>) : formatChange(result, 'switched')
  } else if (command === 'shadow') {
    const percent = percentArg(args, 'percent', 'shadow takes one percent: switchyard shadow <0-100>')
    if (percent === undefined) result = await client.get('/admin/shadow')
    else result = await client.post('/admin/shadow', args.flags.get('reset') === true ? { percent, reset: true } : { percent })
    line = formatShadow(result)
  } else if (command === 'canary') {
    const weight = percentArg(args, 'weight', 'canary takes one weight: switchyard canary <0-100>')
    result = weight === undefined ? await client.get('/admin/canary') : await client.post('/admin/canary', { weight })
    line = formatCanary(result)
  } else if (command === 'smoke') {
    const colour = args.positionals[0]
    if (colour === undefined || args.positionals.length > 1) throw new Error('smoke needs exactly one colour: switchyard smoke <blue|green>')
    result = await client.post('/admin/smoke', { colour })
    line = formatSmoke(result)
  } else if (command === 'registry') {
    const [action, ...more] = args.positionals
    if (more.length > 0 || (action !== undefined && action !== 'sync')) throw new Error('usage: switchyard registry [sync]')
    result = action === 'sync' ? await client.post('/admin/registry/sync', {}) : await client.get('/admin/registry')
    line = formatRegistry(result)
  } else if (command === 'abort') {
    if (args.positionals.length > 0) throw new Error('abort takes no arguments')
    const reason = args.flags.get('reason')
    result = await client.post('/admin/abort', typeof reason === 'string' ? { reason } : {})
    line = result.aborted === true ? String((result.outcome as Record<string, unknown> | null)?.reason ?? 'aborted') : 'nothing to abort; canary weight is 0'
    if (result.saved === false) line = `${line}\nnot saved: ${String(result.message)}`
  } else {
    if (args.positionals.length > 0) throw new Error('rollback takes no arguments')
    const body: Record<string, unknown> = {}
    const reason = args.flags.get('reason')
    if (typeof reason === 'string') body.reason = reason
    if (args.flags.get('force') === true) body.force = true
    result = await client.post('/admin/rollback', body)
    line = formatChange(result, 'rolled back')
  }
  io.out(json ? JSON.stringify(result, null, 2) : line)
  return 0
}

/** Runs one CLI command and returns the exit code; every failure prints one clear line. */
export async function main (argv: readonly string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'status':
      case 'switch':
      case 'rollback':
      case 'shadow':
      case 'canary':
      case 'abort':
      case 'smoke':
      case 'registry':
        return await adminCommand(command, rest, io)
      case 'serve': {
        const { serve } = await import('../main.js')
        await serve(rest)
        return 0
      }
      case 'model-server': {
        const { serveModel } = await import('../demo/serve-model.js')
        await serveModel(rest)
        return 0
      }
      case 'demo': {
        const { runDemo } = await import('../demo/run.js')
        await runDemo(rest)
        return 0
      }
      case '--version':
      case 'version':
        io.out(version())
        return 0
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE)
        return command === undefined ? 2 : 0
      default:
        io.err(`switchyard: unknown command "${command}"\n\n${USAGE}`)
        return 2
    }
  } catch (err) {
    if (err instanceof AdminApiError) {
      io.err(`switchyard: ${err.message} (${err.code}, HTTP ${err.status})`)
      if (io.env.SWITCHYARD_DEBUG !== undefined || argv.includes('--json')) io.err(JSON.stringify(err.body))
    } else {
      io.err(`switchyard: ${(err as Error).message}`)
    }
    return 1
  }
}
