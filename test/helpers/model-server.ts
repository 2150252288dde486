// Real Iris model servers for tests: each listens on a free port and closes itself when the test ends.
import { startModelServer as start, type ModelServer, type ModelServerOptions } from '../../src/demo/model-server.js'

export type { Fault, ModelServer, ModelServerOptions } from '../../src/demo/model-server.js'

/** What the helpers need of a tap test: somewhere to register the clean-up. */
export interface TeardownHost {
  teardown (fn: () => unknown): void
}

export async function startModelServer (t: TeardownHost, options: ModelServerOptions): Promise<ModelServer> {
  const server = await start(options)
  t.teardown(() => server.close())
  return server
}

/** The demo's pair: blue answers with the v1 logistic model, green with the v2 random forest. */
export async function startBlueGreen (t: TeardownHost): Promise<{ blue: ModelServer, green: ModelServer }> {
  const [blue, green] = await Promise.all([
    startModelServer(t, { model: 'logistic', version: 'v1', name: 'blue' }),
    startModelServer(t, { model: 'forest', version: 'v2', name: 'green' })
  ])
  return { blue, green }
}
