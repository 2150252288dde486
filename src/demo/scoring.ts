// Turns an MLflow scoring-server request (`POST /invocations`) into Iris rows. Pure: no I/O, so
// the tests cover every input format without a socket. Formats and error wording follow MLflow
// 2.x's pyfunc scoring server, so a client written against MLflow works against the demo.
import { FEATURE_COUNT, FEATURE_NAMES, featureIndex } from './features.js'

export const SUPPORTED_CONTENT_TYPES: readonly string[] = Object.freeze(['application/json', 'text/csv'])

export type ContentType = 'application/json' | 'text/csv'

export interface ScoringErrorBody {
  error_code: 'BAD_REQUEST'
  message: string
}

/** A request the scoring server refuses: 400 for bad input, 415 for a content type it cannot read. */
export class ScoringError extends Error {
  readonly status: 400 | 415
  readonly body: ScoringErrorBody

  constructor (status: 400 | 415, message: string) {
    super(message)
    this.name = 'ScoringError'
    this.status = status
    this.body = { error_code: 'BAD_REQUEST', message }
  }
}

/** Any error met while scoring, reported as MLflow does: one the model itself throws is a 400 too. */
export function asScoringError (err: unknown): ScoringError {
  if (err instanceof ScoringError) return err
  return badRequest(`Encountered an unexpected error while evaluating the model. Verify that the input is compatible with the model for inference. Error: ${String(err)}`)
}

function badRequest (message: string): ScoringError {
  return new ScoringError(400, message)
}

const FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs', 'data'] as const
type Format = typeof FORMATS[number]

const REQUIRED_INPUT = "The input must be a JSON dictionary with exactly one of the input fields 'dataframe_split', " +
  "'dataframe_records', 'instances', 'inputs' (or the legacy 'data')"
const EXPECTED_FEATURES = `the model expects ${FEATURE_COUNT} features: ${FEATURE_NAMES.join(', ')}`

/** Parses a whole request: checks the Content-Type, then reads the body as JSON or CSV. */
export function parseInvocation (contentType: string | undefined, body: Buffer | string): number[][] {
  const type = checkContentType(contentType)
  let text = typeof body === 'string' ? body : body.toString('utf8')
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  if (/^\s*$/.test(text)) throw badRequest('empty input: the request body is empty')
  return type === 'text/csv' ? parseCsvInput(text) : parseJsonInput(text)
}

/** The media type, if the server reads it; parameters other than `charset=utf-8` are refused as MLflow does. */
export function checkContentType (header: string | undefined): ContentType {
  if (header === 'application/json' || header === 'text/csv') return header
  const parts = (header ?? '').split(';')
  const mediaType = parts[0].trim().toLowerCase()
  if (mediaType !== 'application/json' && mediaType !== 'text/csv') {
    const got = header === undefined ? 'no Content-Type header' : `'${header}'`
    throw new ScoringError(415, `This predictor only supports the following content types: ${SUPPORTED_CONTENT_TYPES.join(', ')}. Got ${got}.`)
  }
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i].trim()
    if (part === '') continue
    const eq = part.indexOf('=')
    const key = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase()
    if (key !== 'charset') throw new ScoringError(415, `Unrecognized content type parameters: ${key}. Only charset=utf-8 is accepted.`)
    const charset = eq === -1 ? '' : part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase()
    if (charset !== 'utf-8') throw new ScoringError(415, `The scoring server only supports UTF-8, got charset '${charset}'.`)
  }
  return mediaType
}

// ---- JSON ----

export function parseJsonInput (text: string): number[][] {
  let input: unknown
  try {
    input = JSON.parse(text)
  } catch (err) {
    throw badRequest(`Failed to parse input from JSON. Ensure that input is a valid JSON formatted string. Error: '${String(err)}'`)
  }
  if (!isObject(input)) {
    throw badRequest(`${REQUIRED_INPUT}. Received ${Array.isArray(input) ? 'a list' : `unexpected input type '${input === null ? 'null' : typeof input}'`}.`)
  }
  let format: Format | undefined
  let count = 0
  for (const key of FORMATS) {
    if (Object.hasOwn(input, key)) {
      format = key
      count++
    }
  }
  if (format === undefined || count !== 1) {
    throw badRequest(`${REQUIRED_INPUT}. Received dictionary with input fields: ${JSON.stringify(Object.keys(input))}.`)
  }
  switch (format) {
    case 'dataframe_split': return fromSplit(input.dataframe_split, 'dataframe_split.')
    // MLflow 1.x's default: pandas' split orient without a wrapper, `{"columns": [...], "data": [...]}`.
    case 'data': return fromSplit(input, '')
    case 'dataframe_records': return fromRecords(input.dataframe_records)
    case 'instances': return fromTensorInput(input.instances, 'instances')
    case 'inputs': return fromTensorInput(input.inputs, 'inputs')
  }
}

function fromSplit (split: unknown, prefix: string): number[][] {
  if (!isObject(split)) throw badRequest(`'dataframe_split' must be an object with 'data' and optional 'columns', got ${preview(split)}`)
  const { columns, data } = split
  if (!Array.isArray(data)) throw badRequest(`'${prefix}data' must be a list of rows, got ${preview(data)}`)
  const layout = columns === undefined ? POSITIONAL : layoutOf(columns, `'${prefix}columns'`, false)
  return fromArrays(data, layout, `${prefix}data`)
}

function fromRecords (records: unknown): number[][] {
  if (!Array.isArray(records)) throw badRequest(`'dataframe_records' must be a list of objects, got ${preview(records)}`)
  nonEmpty(records, 'dataframe_records')
  const rows = new Array<number[]>(records.length)
  for (let i = 0; i < records.length; i++) {
    const record: unknown = records[i]
    if (!isObject(record)) throw badRequest(`dataframe_records[${i}] must be an object of feature values, got ${preview(record)}`)
    rows[i] = fromObject(record, `dataframe_records[${i}]`)
  }
  return rows
}

/** TF-serving style: a list of rows (lists or objects), or one object of columns (name -> values). */
function fromTensorInput (input: unknown, key: string): number[][] {
  if (isObject(input)) return fromColumns(input, key)
  if (!Array.isArray(input)) throw badRequest(`'${key}' must be a list of rows or an object of columns, got ${preview(input)}`)
  nonEmpty(input, key)
  const rows = new Array<number[]>(input.length)
  for (let i = 0; i < input.length; i++) {
    const row: unknown = input[i]
    const where = `${key}[${i}]`
    if (Array.isArray(row)) rows[i] = fromArray(row, POSITIONAL, where)
    else if (isObject(row)) rows[i] = fromObject(row, where)
    else throw badRequest(`${where} must be a list of ${FEATURE_COUNT} numbers or an object of feature values, got ${preview(row)}`)
  }
  return rows
}

function fromColumns (input: Record<string, unknown>, key: string): number[][] {
  const columns: unknown[][] = []
  for (const name in input) {
    const feature = featureOf(name, columns)
    const values = input[name]
    if (!Array.isArray(values)) throw badRequest(`'${key}.${name}' must be a list of values, got ${preview(values)}`)
    columns[feature] = values
  }
  checkComplete(columns)
  const length = columns[0].length
  for (let f = 1; f < FEATURE_COUNT; f++) {
    const other = columns[f].length
    if (other !== length) throw badRequest(`the columns of '${key}' differ in length: ${FEATURE_NAMES[0]} has ${length} values, ${FEATURE_NAMES[f]} has ${other}`)
  }
  nonEmpty(columns[0], key)
  const rows = new Array<number[]>(length)
  for (let i = 0; i < length; i++) {
    const row = new Array<number>(FEATURE_COUNT)
    for (let f = 0; f < FEATURE_COUNT; f++) row[f] = numberAt(columns[f][i], key, i, f)
    rows[i] = row
  }
  return rows
}

function fromObject (record: Record<string, unknown>, where: string): number[] {
  const seen: unknown[] = []
  const row = new Array<number>(FEATURE_COUNT)
  for (const name in record) {
    const feature = featureOf(name, seen)
    seen[feature] = name
    row[feature] = numberAt(record[name], where, -1, feature)
  }
  checkComplete(seen)
  return row
}

// ---- rows given as lists, with a column layout ----

interface Layout {
  /** order[f] is the position of feature f in an input row. */
  readonly order: readonly number[]
  /** How many values each input row holds. */
  readonly width: number
}

const POSITIONAL: Layout = { order: [0, 1, 2, 3], width: FEATURE_COUNT }

/** Maps column names to features; `skipIndex` lets pandas' unnamed index column (to_csv()'s first column) through. */
function layoutOf (columns: unknown, what: string, skipIndex: boolean): Layout {
  if (!Array.isArray(columns)) throw badRequest(`${what} must be a list of column names, got ${preview(columns)}`)
  const order: number[] = []
  for (let p = 0; p < columns.length; p++) {
    const name: unknown = columns[p]
    if (skipIndex && p === 0 && name === '') continue
    if (typeof name !== 'string') throw badRequest(`${what} must hold column names (strings), got ${preview(name)}`)
    order[featureOf(name, order)] = p
  }
  checkComplete(order)
  return { order, width: columns.length }
}

function fromArrays (data: unknown[], layout: Layout, where: string): number[][] {
  nonEmpty(data, where)
  const rows = new Array<number[]>(data.length)
  for (let i = 0; i < data.length; i++) {
    const row: unknown = data[i]
    if (!Array.isArray(row)) throw badRequest(`${where}[${i}] must be a list of values, got ${preview(row)}`)
    rows[i] = fromArray(row, layout, `${where}[${i}]`)
  }
  return rows
}

function fromArray (row: unknown[], layout: Layout, where: string): number[] {
  if (row.length !== layout.width) {
    const expected = layout === POSITIONAL ? EXPECTED_FEATURES : `there are ${layout.width} columns`
    throw badRequest(`${where} has ${row.length} values but ${expected}`)
  }
  const out = new Array<number>(FEATURE_COUNT)
  for (let f = 0; f < FEATURE_COUNT; f++) out[f] = numberAt(row[layout.order[f]], where, -1, f)
  return out
}

// ---- CSV ----

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** CSV as pandas' to_csv() writes it: a header row of feature names (optional here), then one row per line. */
export function parseCsvInput (text: string): number[][] {
  const lines = text.split(/\r\n|\n|\r/)
  const rows: number[][] = []
  let layout: Layout | undefined
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]
    if (line.trim() === '') continue
    const fields = splitCsvLine(line, n + 1)
    for (let p = 0; p < fields.length; p++) fields[p] = fields[p].trim()
    if (layout === undefined) {
      // A first line with no number in it names the columns; a row with some numbers is data
      // (so a typo in the first row is reported as a bad value, not as an unknown column).
      if (!fields.some((field) => NUMBER.test(field))) {
        layout = layoutOf(fields, 'the CSV header', true)
        continue
      }
      layout = POSITIONAL
    }
    const where = `CSV line ${n + 1}`
    if (fields.length !== layout.width) {
      const expected = layout === POSITIONAL ? EXPECTED_FEATURES : `the header names ${layout.width} columns`
      throw badRequest(`${where} has ${fields.length} values but ${expected}`)
    }
    const row = new Array<number>(FEATURE_COUNT)
    for (let f = 0; f < FEATURE_COUNT; f++) {
      const field = fields[layout.order[f]]
      const value = NUMBER.test(field) ? Number(field) : NaN
      if (!Number.isFinite(value)) throw nonNumeric(JSON.stringify(field), where, f)
      row[f] = value
    }
    rows.push(row)
  }
  nonEmpty(rows, 'the CSV')
  return rows
}

/** Splits one CSV line; double quotes may wrap a field, and "" inside one stands for a quote. */
function splitCsvLine (line: string, lineNumber: number): string[] {
  if (!line.includes('"')) return line.split(',')
  const fields: string[] = []
  let i = 0
  for (;;) {
    if (line[i] === '"') {
      let value = ''
      i++
      for (;;) {
        const quote = line.indexOf('"', i)
        if (quote === -1) throw badRequest(`CSV line ${lineNumber} has an unterminated quoted field`)
        value += line.slice(i, quote)
        i = quote + 1
        if (line[i] !== '"') break
        value += '"'
        i++
      }
      fields.push(value)
      if (i === line.length) return fields
      if (line[i] !== ',') throw badRequest(`CSV line ${lineNumber} has text after a quoted field`)
      i++
    } else {
      const comma = line.indexOf(',', i)
      if (comma === -1) {
        fields.push(line.slice(i))
        return fields
      }
      fields.push(line.slice(i, comma))
      i = comma + 1
    }
  }
}

// ---- shared checks ----

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The feature a column name stands for; refuses unknown names and a feature named twice. */
function featureOf (name: string, seen: readonly unknown[]): number {
  const feature = featureIndex(name)
  if (feature === -1) throw badRequest(`unknown column ${JSON.stringify(name)}: ${EXPECTED_FEATURES} (or their short names sepal_length, ...)`)
  if (seen[feature] !== undefined) throw badRequest(`column ${JSON.stringify(FEATURE_NAMES[feature])} is given twice`)
  return feature
}

function checkComplete (byFeature: readonly unknown[]): void {
  for (let f = 0; f < FEATURE_COUNT; f++) {
    if (byFeature[f] === undefined) throw badRequest(`missing column ${JSON.stringify(FEATURE_NAMES[f])}: ${EXPECTED_FEATURES}`)
  }
}

function numberAt (value: unknown, where: string, index: number, feature: number): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  throw nonNumeric(preview(value), index === -1 ? where : `${where}[${index}]`, feature)
}

function nonNumeric (shown: string, where: string, feature: number): ScoringError {
  return badRequest(`non-numeric value ${shown} in ${where} for ${JSON.stringify(FEATURE_NAMES[feature])}: every feature must be a finite number`)
}

function nonEmpty (rows: readonly unknown[], where: string): void {
  if (rows.length === 0) throw badRequest(`empty input: ${where} has no rows`)
}

/** A short rendering of a bad value for an error message (never the whole body). */
function preview (value: unknown): string {
  // JSON.stringify shows Infinity as null and undefined as nothing: say what it was.
  const text = typeof value === 'number' || value === undefined ? String(value) : JSON.stringify(value)
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}
