// Reading a side request's answer (health probes, smoke requests): capped, and telling a timeout
// from other failures.
import type { Readable } from 'node:stream'

/** The body as text, at most `limit` bytes; leaving early destroys the stream, fine for an oversized answer. */
export async function readCapped (body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(chunk as Buffer)
    size += (chunk as Buffer).length
    if (size >= limit) break
  }
  return Buffer.concat(chunks, size).subarray(0, limit).toString('utf8')
}

/** An abort signal's timeout or one of undici's own. */
export function isTimeout (err: unknown): boolean {
  const e = err as Error & { code?: string }
  return e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT'
}
