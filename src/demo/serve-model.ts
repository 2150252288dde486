// `switchyard model-server`: one Iris model server on its own, for docker-compose, the bench and
// trying a blue-green flow by hand without MLflow installed.
import { parseArgs } from '../cli/args.js'
import { isModelKind, MODEL_KINDS } from './iris.js'
import { startModelServer } from './model-server.js'

export async function serveModel (argv: readonly string[], options: { out?: (line: string) => void, until?: Promise<unknown> } = {}): Promise<void> {
  const out = options.out ?? ((line: string) => process.stdout.write(line + '\n'))
  const args = parseArgs(argv, new Set(), ['model', 'version', 'host', 'port'])
  const model = args.flags.get('model') ?? 'logistic'
  if (!isModelKind(model)) throw new Error(`--model must be one of ${MODEL_KINDS.join(', ')} (got ${JSON.stringify(model)})`)
  const version = args.flags.get('version')
  const portFlag = args.flags.get('port') ?? '5001'
  const port = typeof portFlag === 'string' && /^\d+$/.test(portFlag) ? Number(portFlag) : NaN
  if (!Number.isInteger(port) || port > 65535) throw new Error('--port must be a port number from 0 to 65535')
  const host = args.flags.get('host')
  const server = await startModelServer({
    model,
    version: typeof version === 'string' ? version : model === 'logistic' ? 'v1' : 'v2',
    host: typeof host === 'string' ? host : '127.0.0.1',
    port
  })
  out(JSON.stringify({ msg: 'model server listening', url: server.url, model: server.model, version: server.version }))
  await (options.until ?? new Promise((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  }))
  await server.close()
}
