// Runs one load-generator process on the load core and returns its numbers.
import { LOAD_CORE } from '../lib/cores.js'
import { nextMessage, spawnNode } from '../lib/spawn.js'
import { isFromChild } from '../lib/messages.js'
import type { PacedOptions, PacedResult } from './paced-child.js'
import { hasWrk, runWrk } from './wrk.js'
import type { LoadOptions, LoadResult, Tool } from './result.js'

export { hasWrk }
export type { LoadOptions, LoadResult, Tool, PacedResult }

/** wrk when installed, else autocannon: one tool for every candidate of a run. */
export function defaultTool (): Tool {
  return hasWrk ? 'wrk' : 'autocannon'
}

export async function runLoad (tool: Tool, options: LoadOptions, tmp: string, onProgress?: (requests: number) => void): Promise<LoadResult> {
  if (tool === 'wrk') return runWrk(options, tmp)
  if (tool === 'autocannon') return runChild<LoadResult>('load/autocannon-child.ts', options, onProgress)
  throw new Error(`${tool} is not a closed-loop tool`)
}

export function runPaced (options: PacedOptions): Promise<PacedResult> {
  return runChild<PacedResult>('load/paced-child.ts', options)
}

async function runChild<R> (script: string, options: LoadOptions, onProgress?: (requests: number) => void): Promise<R> {
  const child = spawnNode(script, { core: LOAD_CORE, args: [JSON.stringify(options)] })
  if (onProgress !== undefined) {
    child.on('message', (message: unknown) => {
      if (isFromChild(message) && message.type === 'progress') onProgress(message.requests)
    })
  }
  const { result } = await nextMessage(child, 'result')
  return result as R
}
