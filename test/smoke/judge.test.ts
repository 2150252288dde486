// Judging a smoke answer: pure, so every way an answer can disappoint is checked without a socket.
import t from 'tap'
import { excerpt, judgeAnswer, predictionsOf } from '../../src/smoke/judge.js'

t.test('predictions are found where each protocol puts them', async (t) => {
  t.same(predictionsOf({ predictions: [0, 2] }), { found: true, value: [0, 2] }, 'MLflow 2+, KServe V1')
  t.same(predictionsOf({ model_name: 'iris', outputs: [{ name: 'output-0', shape: [2], datatype: 'INT64', data: [0, 2] }] }), { found: true, value: [0, 2] }, 'Open Inference Protocol v2')
  t.same(predictionsOf([0, 2]), { found: true, value: [0, 2] }, 'MLflow 1.x, TorchServe')
  t.same(predictionsOf({ result: [0] }), { found: false })
  t.same(predictionsOf('0'), { found: false })
})

t.test('status first, then predictions', async (t) => {
  t.equal(judgeAnswer({ status: 200 }, 200, 'anything'), null)
  t.equal(judgeAnswer({ status: 200 }, 500, '{"error_code": "INTERNAL_ERROR", "message": "boom"}'), 'expected status 200, got 500: {"error_code": "INTERNAL_ERROR", "message": "boom"}')
  t.equal(judgeAnswer({ status: 200, predictions: [0] }, 400, ''), 'expected status 200, got 400')
  t.equal(judgeAnswer({ status: 200, predictions: [0] }, 200, '{"predictions": [0]}'), null)
  t.equal(judgeAnswer({ status: 200, predictions: [0] }, 200, '{"predictions": [1]}'), 'expected predictions [0], got [1]')
  t.equal(judgeAnswer({ status: 200, predictions: [0.5] }, 200, '{"predictions": [0.50]}'), null, 'compared as JSON values, not text')
  t.equal(judgeAnswer({ status: 200, predictionsLength: 3 }, 200, '{"predictions": [0, 1, 2]}'), null)
  t.equal(judgeAnswer({ status: 200, predictionsLength: 3 }, 200, '{"predictions": [0, 1]}'), 'expected 3 predictions, got 2')
  t.equal(judgeAnswer({ status: 200, predictionsLength: 1 }, 200, '{"predictions": "x"}'), 'expected 1 predictions, got "x"')
  t.equal(judgeAnswer({ status: 200, predictions: [0] }, 200, 'not json'), 'expected a JSON answer with predictions, got not json')
  t.equal(judgeAnswer({ status: 200, predictions: [0] }, 200, '{"labels": [0]}'), 'the answer has no predictions (looked for "predictions", "outputs[0].data" or a list): {"labels":[0]}')
})

t.test('long values are cut short in messages', async (t) => {
  t.equal(excerpt('a'.repeat(200), 10), 'aaaaaaaaaa...')
  t.equal(excerpt('two\n  lines'), 'two lines')
})
