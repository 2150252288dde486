// One demo Iris model server as a child process of the chaos run, so it can be SIGKILLed and
// started again on the same port. Faults (src/demo/fault.ts) arrive over the IPC channel:
//   parent -> child: { type: 'fault', id, fault: Fault | null }
//   child -> parent: { type: 'ready', url } once listening; { type: 'fault-set', id } per fault
// Run: node --import tsx chaos/upstream.ts --model logistic --version v1 --port 5001
import { parseArgs } from 'node:util'
import { startModelServer, type Fault } from '../src/demo/model-server.js'
import { isModelKind } from '../src/demo/iris.js'

const { values } = parseArgs({ options: { model: { type: 'string', default: 'logistic' }, version: { type: 'string', default: 'v1' }, port: { type: 'string', default: '0' } } })
const model = values.model
if (!isModelKind(model)) throw new Error(`--model: unknown model ${model}`)
const server = await startModelServer({ model, version: values.version, port: Number(values.port) })

interface FaultMessage { type: 'fault', id: number, fault: Fault | null }
const isFaultMessage = (message: unknown): message is FaultMessage =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'fault'

process.on('message', (message: unknown) => {
  if (!isFaultMessage(message)) return
  server.setFault(message.fault)
  process.send?.({ type: 'fault-set', id: message.id })
})
// The parent gone (or asking us to stop): close and leave.
process.on('disconnect', () => { void server.close().then(() => process.exit(0)) })
process.once('SIGTERM', () => { void server.close().then(() => process.exit(0)) })
process.send?.({ type: 'ready', url: server.url })
