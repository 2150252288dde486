import t, { type Test } from 'tap'
import { ScoringError, asScoringError, checkContentType, parseCsvInput, parseInvocation, parseJsonInput } from '../../src/demo/scoring.js'
import { MODEL_KINDS, trainModel } from '../../src/demo/iris.js'

// One row of each class, in the model's feature order.
const ROWS = [[5.1, 3.5, 1.4, 0.2], [6.4, 3.2, 4.5, 1.5], [6.3, 3.3, 6.0, 2.5]]
const LONG = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']
const SHORT = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']
// Columns in another order than the model's: the parser must put them back.
const SHUFFLED = [2, 0, 3, 1]

const pick = (row: number[], order: number[]): number[] => order.map((i) => row[i])
const record = (names: string[], row: number[], order = [0, 1, 2, 3]): Record<string, number> =>
  Object.fromEntries(order.map((i) => [names[i], row[i]]))
const column = (i: number): number[] => ROWS.map((row) => row[i])

const JSON_BODIES: Record<string, unknown> = {
  'dataframe_split without columns': { dataframe_split: { data: ROWS } },
  'dataframe_split with columns in another order': {
    dataframe_split: { columns: SHUFFLED.map((i) => LONG[i]), data: ROWS.map((row) => pick(row, SHUFFLED)) }
  },
  'dataframe_split with short names and an index': {
    dataframe_split: { index: [7, 8, 9], columns: SHORT, data: ROWS }
  },
  'dataframe_records': { dataframe_records: ROWS.map((row) => record(LONG, row)) },
  'dataframe_records with short names in another order': { dataframe_records: ROWS.map((row) => record(SHORT, row, SHUFFLED)) },
  'instances as lists': { instances: ROWS },
  'instances as objects': { instances: ROWS.map((row) => record(LONG, row, SHUFFLED)) },
  'instances as columns': { instances: Object.fromEntries(SHUFFLED.map((i) => [SHORT[i], column(i)])) },
  'inputs as lists': { inputs: ROWS },
  'inputs as objects': { inputs: ROWS.map((row) => record(SHORT, row)) },
  'inputs as columns': { inputs: Object.fromEntries(LONG.map((name, i) => [name, column(i)])) },
  'inputs with params': { inputs: ROWS, params: { temperature: 0 } },
  'legacy data': { data: ROWS },
  'legacy data with columns': { columns: SHUFFLED.map((i) => SHORT[i]), data: ROWS.map((row) => pick(row, SHUFFLED)) }
}

const csv = (lines: string[], eol = '\n'): string => lines.join(eol) + eol
const CSV_BODIES: Record<string, string> = {
  'no header': csv(ROWS.map((row) => row.join(','))),
  'a header of feature names': csv([LONG.join(','), ...ROWS.map((row) => row.join(','))]),
  'a quoted header in another order, CRLF': csv([
    SHUFFLED.map((i) => `"${SHORT[i]}"`).join(','),
    ...ROWS.map((row) => pick(row, SHUFFLED).map((v) => `"${v}"`).join(','))
  ], '\r\n'),
  "pandas' to_csv() index column": csv([',' + LONG.join(','), ...ROWS.map((row, i) => `${i},${row.join(',')}`)]),
  'blank lines, spaces, no final newline and a BOM': '\ufeff\n' + LONG.join(' , ') + '\n\n' + ROWS.map((row) => ` ${row.join(', ')} `).join('\n'),
  'numbers in every notation': csv(['5.1,3.5,1.4,.2', '+6.4,3.2,45e-1,1.5', '6.3,3.3,6.,2.5E0'])
}

t.test('every JSON format gives the same rows', async (t) => {
  for (const [name, body] of Object.entries(JSON_BODIES)) {
    t.same(parseInvocation('application/json', JSON.stringify(body)), ROWS, name)
  }
})

t.test('CSV gives the same rows with or without a header', async (t) => {
  for (const [name, body] of Object.entries(CSV_BODIES)) {
    t.same(parseInvocation('text/csv', Buffer.from(body)), ROWS, name)
  }
})

t.test('every format gives the same predictions from every model', async (t) => {
  const bodies = [
    ...Object.values(JSON_BODIES).map((body) => ['application/json', JSON.stringify(body)]),
    ...Object.values(CSV_BODIES).map((body) => ['text/csv', body])
  ]
  for (const kind of MODEL_KINDS) {
    const model = trainModel(kind)
    const answers = new Set(bodies.map(([type, body]) => JSON.stringify(model.predict(parseInvocation(type, body)))))
    t.same([...answers], ['[0,1,2]'], kind)
  }
})

t.test('Content-Type may carry a UTF-8 charset and any case', async (t) => {
  t.equal(checkContentType('application/json'), 'application/json')
  t.equal(checkContentType('text/csv'), 'text/csv')
  t.equal(checkContentType('application/json; charset=utf-8'), 'application/json')
  t.equal(checkContentType('Application/JSON;charset="UTF-8";'), 'application/json')
  t.equal(checkContentType(' text/csv ; charset=utf-8'), 'text/csv')
})

function fails (t: Test, contentType: string | undefined, body: string, status: number, message: RegExp, name?: string): void {
  try {
    parseInvocation(contentType, body)
    t.fail(`accepted ${name ?? body}`)
  } catch (err) {
    t.ok(err instanceof ScoringError, 'a ScoringError')
    t.match(err, { status, body: { error_code: 'BAD_REQUEST', message } }, name ?? body)
    t.same(Object.keys((err as ScoringError).body), ['error_code', 'message'])
  }
}

const json = (body: unknown): string => JSON.stringify(body)

t.test('unsupported content types are refused with 415', async (t) => {
  fails(t, 'text/plain', '1,2,3,4', 415, /^This predictor only supports the following content types: application\/json, text\/csv\. Got 'text\/plain'\.$/)
  fails(t, undefined, '1,2,3,4', 415, /Got no Content-Type header\.$/)
  fails(t, 'application/x-www-form-urlencoded; charset=utf-8', 'a=1', 415, /Got 'application\/x-www-form-urlencoded; charset=utf-8'/)
  fails(t, 'application/json; format=pandas-split', json({ data: ROWS }), 415, /Unrecognized content type parameters: format/)
  fails(t, 'application/json; charset', json({ data: ROWS }), 415, /only supports UTF-8, got charset ''/)
  fails(t, 'text/csv; charset=latin-1', '1,2,3,4', 415, /only supports UTF-8, got charset 'latin-1'/)
})

t.test('an empty body is a 400', async (t) => {
  fails(t, 'application/json', '', 400, /^empty input: the request body is empty$/)
  fails(t, 'text/csv', ' \r\n ', 400, /^empty input/)
})

t.test('JSON that is not one of the formats is a 400', async (t) => {
  fails(t, 'application/json', '{"inputs": [[1, 2, 3, 4]', 400, /^Failed to parse input from JSON\. Ensure that input is a valid JSON formatted string\. Error: 'SyntaxError: /)
  fails(t, 'application/json', json(ROWS), 400, /exactly one of the input fields .*\. Received a list\.$/)
  fails(t, 'application/json', '42', 400, /Received unexpected input type 'number'\.$/)
  fails(t, 'application/json', 'null', 400, /Received unexpected input type 'null'\.$/)
  fails(t, 'application/json', json({ rows: ROWS }), 400, /Received dictionary with input fields: \["rows"\]\.$/)
  fails(t, 'application/json', json({}), 400, /Received dictionary with input fields: \[\]\.$/)
  fails(t, 'application/json', json({ inputs: ROWS, instances: ROWS }), 400, /Received dictionary with input fields: \["inputs","instances"\]/)
})

t.test('a wrong number of features is a 400', async (t) => {
  const expected = /the model expects 4 features: sepal length \(cm\), sepal width \(cm\), petal length \(cm\), petal width \(cm\)$/
  fails(t, 'application/json', json({ inputs: [[1, 2, 3]] }), 400, /^inputs\[0\] has 3 values but the model expects 4 features/)
  fails(t, 'application/json', json({ instances: [[1, 2, 3, 4], [1, 2, 3, 4, 5]] }), 400, expected)
  fails(t, 'application/json', json({ dataframe_split: { data: [[1, 2]] } }), 400, /^dataframe_split\.data\[0\] has 2 values/)
  fails(t, 'application/json', json({ dataframe_split: { columns: LONG, data: [[1, 2, 3]] } }), 400, /^dataframe_split\.data\[0\] has 3 values but there are 4 columns$/)
  fails(t, 'application/json', json({ inputs: [1, 2, 3, 4] }), 400, /^inputs\[0\] must be a list of 4 numbers or an object of feature values, got 1$/)
  fails(t, 'text/csv', '1,2,3\n', 400, /^CSV line 1 has 3 values but the model expects 4 features/)
  fails(t, 'text/csv', `${LONG.join(',')}\n1,2,3,4\n1,2,3,4,5\n`, 400, /^CSV line 3 has 5 values but the header names 4 columns$/)
})

t.test('non-numeric values are a 400', async (t) => {
  fails(t, 'application/json', json({ inputs: [[5.1, '3.5', 1.4, 0.2]] }), 400, /^non-numeric value "3\.5" in inputs\[0\] for "sepal width \(cm\)": every feature must be a finite number$/)
  fails(t, 'application/json', json({ instances: [[5.1, 3.5, null, 0.2]] }), 400, /non-numeric value null in instances\[0\] for "petal length \(cm\)"/)
  fails(t, 'application/json', json({ dataframe_split: { data: [[true, 3.5, 1.4, 0.2]] } }), 400, /non-numeric value true in dataframe_split\.data\[0\]/)
  fails(t, 'application/json', '{"inputs": [[5.1, 3.5, 1.4, 1e400]]}', 400, /non-numeric value Infinity in inputs\[0\] for "petal width \(cm\)"/)
  fails(t, 'application/json', json({ dataframe_records: [record(LONG, [1, 2, 3, 4]), { ...record(LONG, [1, 2, 3, 4]), 'sepal length (cm)': 'x' }] }), 400, /non-numeric value "x" in dataframe_records\[1\]/)
  fails(t, 'application/json', json({ inputs: { ...Object.fromEntries(SHORT.map((n) => [n, [1, 2]])), petal_width: [1, {}] } }), 400, /non-numeric value \{\} in inputs\[1\] for "petal width \(cm\)"/)
  fails(t, 'text/csv', '5.1,3.5,abc,0.2\n', 400, /^non-numeric value "abc" in CSV line 1 for "petal length \(cm\)"/)
  fails(t, 'text/csv', `${LONG.join(',')}\n5.1,3.5,1.4,1e999\n`, 400, /^non-numeric value "1e999" in CSV line 2 for "petal width \(cm\)"/)
  fails(t, 'text/csv', `${LONG.join(',')}\n5.1,3.5,1.4,\n`, 400, /^non-numeric value "" in CSV line 2/)
})

t.test('column names must be the four features, each once', async (t) => {
  fails(t, 'application/json', json({ dataframe_split: { columns: [...LONG.slice(0, 3), 'petal colour'], data: ROWS } }), 400, /^unknown column "petal colour": the model expects 4 features: .* \(or their short names sepal_length, \.\.\.\)$/)
  fails(t, 'application/json', json({ dataframe_split: { columns: LONG.slice(0, 3), data: [[1, 2, 3]] } }), 400, /^missing column "petal width \(cm\)"/)
  fails(t, 'application/json', json({ dataframe_split: { columns: [...LONG, 'sepal_length'], data: [[1, 2, 3, 4, 1]] } }), 400, /^column "sepal length \(cm\)" is given twice$/)
  fails(t, 'application/json', json({ dataframe_split: { columns: [0, 1, 2, 3], data: ROWS } }), 400, /^'dataframe_split\.columns' must hold column names \(strings\), got 0$/)
  fails(t, 'application/json', json({ dataframe_split: { columns: 'sepal_length', data: ROWS } }), 400, /^'dataframe_split\.columns' must be a list of column names, got "sepal_length"$/)
  fails(t, 'application/json', json({ columns: ['', ...LONG], data: [[0, 1, 2, 3, 4]] }), 400, /^unknown column "": /, 'an unnamed column outside CSV')
  fails(t, 'application/json', json({ dataframe_records: [{ ...record(LONG, [1, 2, 3, 4]), colour: 1 }] }), 400, /^unknown column "colour"/)
  fails(t, 'application/json', json({ dataframe_records: [record(SHORT.slice(0, 3), [1, 2, 3])] }), 400, /^missing column "petal width \(cm\)"/)
  fails(t, 'application/json', json({ inputs: [{ ...record(SHORT, [1, 2, 3, 4]), 'sepal width (cm)': 2 }] }), 400, /^column "sepal width \(cm\)" is given twice$/)
  fails(t, 'application/json', json({ inputs: Object.fromEntries(SHORT.slice(1).map((n) => [n, [1]])) }), 400, /^missing column "sepal length \(cm\)"/)
  fails(t, 'application/json', json({ inputs: { ...Object.fromEntries(SHORT.map((n) => [n, [1]])), colour: [1] } }), 400, /^unknown column "colour"/)
  fails(t, 'text/csv', 'sepal_length,sepal_width,petal_length,colour\n1,2,3,4\n', 400, /^unknown column "colour"/)
  fails(t, 'text/csv', '"a""b",sepal_width,petal_length,petal_width\n1,2,3,4\n', 400, /^unknown column "a\\"b"/, 'an escaped quote in a header')
})

t.test('a shape the format does not allow is a 400', async (t) => {
  fails(t, 'application/json', json({ dataframe_split: ROWS }), 400, /^'dataframe_split' must be an object with 'data' and optional 'columns', got \[\[5\.1,3\.5,1\.4,0\.2\],\[6\.4,3\.2,4\.5,1\.5\],\.\.\.$/)
  fails(t, 'application/json', json({ dataframe_split: { columns: LONG } }), 400, /^'dataframe_split\.data' must be a list of rows, got undefined$/)
  fails(t, 'application/json', json({ data: { a: 1 } }), 400, /^'data' must be a list of rows, got \{"a":1\}$/)
  fails(t, 'application/json', json({ data: [5.1, 3.5, 1.4, 0.2] }), 400, /^data\[0\] must be a list of values, got 5\.1$/)
  fails(t, 'application/json', json({ dataframe_records: { a: 1 } }), 400, /^'dataframe_records' must be a list of objects/)
  fails(t, 'application/json', json({ dataframe_records: [ROWS[0]] }), 400, /^dataframe_records\[0\] must be an object of feature values, got \[5\.1,3\.5,1\.4,0\.2\]$/)
  fails(t, 'application/json', json({ instances: 'all of them' }), 400, /^'instances' must be a list of rows or an object of columns, got "all of them"$/)
  fails(t, 'application/json', json({ inputs: { ...Object.fromEntries(SHORT.map((n) => [n, [1, 2]])), sepal_width: 3 } }), 400, /^'inputs\.sepal_width' must be a list of values, got 3$/)
  fails(t, 'application/json', json({ inputs: { ...Object.fromEntries(SHORT.map((n) => [n, [1, 2]])), petal_width: [1] } }), 400, /^the columns of 'inputs' differ in length: sepal length \(cm\) has 2 values, petal width \(cm\) has 1$/)
})

t.test('no rows is a 400', async (t) => {
  fails(t, 'application/json', json({ inputs: [] }), 400, /^empty input: inputs has no rows$/)
  fails(t, 'application/json', json({ inputs: Object.fromEntries(SHORT.map((n) => [n, []])) }), 400, /^empty input: inputs has no rows$/)
  fails(t, 'application/json', json({ dataframe_records: [] }), 400, /^empty input: dataframe_records has no rows$/)
  fails(t, 'application/json', json({ dataframe_split: { columns: LONG, data: [] } }), 400, /^empty input: dataframe_split\.data has no rows$/)
  fails(t, 'text/csv', LONG.join(',') + '\n', 400, /^empty input: the CSV has no rows$/)
})

t.test('malformed CSV quoting is a 400', async (t) => {
  fails(t, 'text/csv', '"sepal_length,sepal_width,petal_length,petal_width\n', 400, /^CSV line 1 has an unterminated quoted field$/)
  fails(t, 'text/csv', '1,2,3,4\n"5"x,2,3,4\n', 400, /^CSV line 2 has text after a quoted field$/)
})

t.test('the parsers can be called on their own', async (t) => {
  t.same(parseJsonInput(json({ inputs: ROWS })), ROWS)
  t.same(parseCsvInput('1,2,3,4'), [[1, 2, 3, 4]])
})

t.test('asScoringError reports an unexpected error as MLflow does', async (t) => {
  const own = new ScoringError(415, 'nope')
  t.equal(asScoringError(own), own)
  const wrapped = asScoringError(new RangeError('matrix too small'))
  t.match(wrapped, { status: 400, name: 'ScoringError', body: { error_code: 'BAD_REQUEST', message: /^Encountered an unexpected error while evaluating the model\. .*Error: RangeError: matrix too small$/ } })
})
