import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { STATE_CORRUPT, VERSION_CONFLICT, wrap } from '../errors.js'
import { asState } from './validate.js'
import type { DeploymentState, StateStore } from './types.js'

/**
 * Keeps the state in one JSON file. Writes go to a temp file that is fsynced and renamed over
 * the old one, so a crash leaves either the old state or the new one, never half of each.
 */
export class FileStore implements StateStore {
  readonly kind = 'file'
  readonly path: string
  #version: number | null = null

  constructor (path: string) {
    this.path = resolve(path)
  }

  async load (): Promise<DeploymentState | null> {
    const state = await readStateFile(this.path)
    if (state !== null) this.#version = state.version
    return state
  }

  async commit (next: DeploymentState, expectedVersion: number | null): Promise<void> {
    // One process owns the file; the version check guards against a caller with a stale view.
    if (this.#version !== expectedVersion) throw VERSION_CONFLICT(expectedVersion ?? 0, this.#version ?? 0)
    await writeStateFile(this.path, next)
    this.#version = next.version
  }

  async close (): Promise<void> {}
}

/** The state saved in `path`, or null when there is no such file. Throws STATE_CORRUPT on unusable data. */
export async function readStateFile (path: string): Promise<DeploymentState | null> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw wrap(STATE_CORRUPT, err, path, (err as Error).message)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw wrap(STATE_CORRUPT, err, path, `it is not valid JSON (${(err as Error).message})`)
  }
  const state = asState(parsed)
  if (typeof state === 'string') throw STATE_CORRUPT(path, state)
  return state
}

/** Replaces `path` with `state` atomically: temp file, fsync, rename, fsync of the directory. */
export async function writeStateFile (path: string, state: DeploymentState): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  const handle = await open(tmp, 'w', 0o600)
  try {
    await handle.writeFile(JSON.stringify(state, null, 2) + '\n')
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, path)
  await syncDir(dirname(path))
}

async function syncDir (dir: string): Promise<void> {
  // The rename is durable only once the directory entry is on disk.
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
