// Request bodies, written to files once so every load generator sends the same bytes.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** A small MLflow `dataframe_split` invocation: three Iris rows. */
export const SMALL = JSON.stringify({
  dataframe_split: {
    columns: ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'],
    data: [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3], [7.7, 3.0, 6.1, 2.3]]
  }
})

/** A `dataframe_split` body of exactly `bytes` bytes: Iris rows, padded with spaces (valid JSON). */
export function bigBody (bytes: number): Buffer {
  const row = '[5.1,3.5,1.4,0.2]'
  const head = '{"dataframe_split":{"columns":["a","b","c","d"],"data":['
  const tail = ']}}'
  const rows = Math.max(1, Math.floor((bytes - head.length - tail.length) / (row.length + 1)))
  const json = head + Array(rows).fill(row).join(',') + tail
  return Buffer.concat([Buffer.from(json), Buffer.alloc(Math.max(0, bytes - json.length), ' ')])
}

export function writeBody (dir: string, name: string, body: string | Buffer): string {
  const path = join(dir, name)
  writeFileSync(path, body)
  return path
}
