// What the bench says to its Node children over the IPC channel, and what they answer.

export type ToChild =
  | { type: 'memory', gc: boolean }
  | { type: 'stop' }

export type FromChild =
  | { type: 'ready', url: string, urls: string[] }
  | { type: 'memory', usage: NodeJS.MemoryUsage }
  | { type: 'progress', requests: number }
  | { type: 'result', result: unknown }

export function isFromChild (message: unknown): message is FromChild {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string'
}
