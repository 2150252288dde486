// The server-sent event stream's rules, on stand-in responses: frames, a client that stops
// reading, and close().
import { EventEmitter } from 'node:events'
import type { ServerResponse } from 'node:http'
import t from 'tap'
import { EventStream } from '../../src/admin/dashboard/events.js'

class FakeResponse extends EventEmitter {
  status = 0
  headers: Record<string, string> = {}
  written = ''
  writableLength = 0
  ended = false
  destroyed = false
  writeHead (status: number, headers: Record<string, string>): this {
    this.status = status
    this.headers = headers
    return this
  }

  write (text: string): boolean {
    this.written += text
    return true
  }

  end (text = ''): this {
    this.written += text
    this.ended = true
    this.emit('close')
    return this
  }

  destroy (): this {
    this.destroyed = true
    this.emit('close')
    return this
  }
}

const open = (stream: EventStream, initial: ReadonlyArray<readonly [string, unknown]> = []): FakeResponse => {
  const res = new FakeResponse()
  stream.open(res as unknown as ServerResponse, initial)
  return res
}

t.test('frames: retry first, then each event with its JSON', async (t) => {
  const stream = new EventStream()
  const res = open(stream, [['status', { active: 'blue' }]])
  t.equal(res.status, 200)
  t.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8')
  stream.send('sample', { t: 1, blue: { rps: 2 } })
  t.equal(res.written, 'retry: 2000\n\nevent: status\ndata: {"active":"blue"}\n\nevent: sample\ndata: {"t":1,"blue":{"rps":2}}\n\n')
  t.equal(stream.size, 1)
  res.emit('close')
  t.equal(stream.size, 0, 'a client that goes is forgotten')
})

t.test('a client that stops reading is cut off, not buffered for', async (t) => {
  const stream = new EventStream()
  const slow = open(stream)
  const fine = open(stream)
  slow.writableLength = 2 * 1024 * 1024
  stream.send('sample', {})
  t.ok(slow.destroyed)
  t.notOk(fine.destroyed)
  t.equal(stream.size, 1)
})

t.test('close() ends every stream, and later ones are turned away', async (t) => {
  const stream = new EventStream()
  const a = open(stream)
  const b = open(stream)
  stream.close()
  t.ok(a.ended && b.ended)
  t.equal(stream.size, 0)
  const late = open(stream)
  t.equal(late.status, 503)
  t.ok(late.ended)
  stream.send('sample', {})
  t.equal(late.written, 'shutting down\n', 'and sent nothing more')
})
