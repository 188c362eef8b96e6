import { Ajv2020 } from 'ajv/dist/2020.js'
import { expect } from 'chai'
import { readFileSync } from 'node:fs'

import {
  aggregateFileName,
  aggregateRuns,
  median,
  runFileName,
  spreadOf,
} from '../../src/results/aggregate.js'
import type { BenchResult } from '../../src/results/result.js'
import { resultSchemaErrors } from '../helpers/results.js'
import { fixtureResult } from './fixture-result.js'

describe('aggregating repeated runs', () => {
  it('takes the middle value as the median of an odd count', () => {
    expect(median([30, 10, 20])).to.equal(20)
  })

  it('takes the mean of the two middle values as the median of an even count', () => {
    expect(median([4, 1, 3, 2])).to.equal(2.5)
  })

  it('refuses the median of no values', () => {
    expect(() => median([])).to.throw(RangeError)
  })

  it('reports the spread as the range divided by the median', () => {
    expect(spreadOf([900, 1000, 1100])).to.deep.equal({
      median: 1000,
      min: 900,
      max: 1100,
      spread: 0.2,
    })
  })

  it('reports no spread for a single run or a median of zero', () => {
    expect(spreadOf([42]).spread).to.equal(0)
    expect(spreadOf([0, 0, 3]).spread).to.equal(0)
  })

  it('summarises throughput and every latency percentile of the runs', () => {
    const runs = [1000, 1200, 800].map((msgsPerSec, index) => ({
      result: fixtureResult({ mode: 'async', msgsPerSec, e2eP99: 10 + index }),
      file: `/tmp/run/${runFileName('async', index + 1)}`,
    }))

    const aggregate = aggregateRuns(runs)

    expect(aggregate.runs).to.equal(3)
    expect(aggregate.files).to.deep.equal(['async-run1.json', 'async-run2.json', 'async-run3.json'])
    expect(aggregate.throughput.msgsPerSec).to.deep.equal({
      median: 1000,
      min: 800,
      max: 1200,
      spread: 0.4,
    })
    expect(aggregate.latency.e2e.p99).to.include({ median: 11, min: 10, max: 12 })
    expect(aggregate.latency.e2e).to.have.all.keys(
      'p50',
      'p90',
      'p95',
      'p99',
      'p999',
      'max',
      'mean',
    )
    expect(aggregate.counts.processed).to.equal(3 * runs[0]!.result.counts.processed)
    expect(aggregate.verified).to.equal(true)
  })

  it('marks the aggregate unverified when any run lost a message', () => {
    const lossy: BenchResult = fixtureResult({ mode: 'async', msgsPerSec: 900 })
    lossy.counts.lost = 1

    const aggregate = aggregateRuns([
      { result: fixtureResult({ mode: 'async', msgsPerSec: 1000 }), file: 'async-run1.json' },
      { result: lossy, file: 'async-run2.json' },
    ])

    expect(aggregate.verified).to.equal(false)
    expect(aggregate.counts.lost).to.equal(1)
  })

  it('refuses to mix modes', () => {
    expect(() =>
      aggregateRuns([
        { result: fixtureResult({ mode: 'async', msgsPerSec: 1 }), file: 'a.json' },
        { result: fixtureResult({ mode: 'process', msgsPerSec: 1 }), file: 'b.json' },
      ]),
    ).to.throw(/process with async/)
  })

  it('names run files so that they stay apart from the aggregate', () => {
    expect(runFileName('baseline', 2)).to.equal('baseline-run2.json')
    expect(aggregateFileName('baseline')).to.equal('baseline.aggregate.json')
  })

  it('produces aggregates that schemas/aggregate.schema.json accepts', () => {
    const schema = new URL('../../schemas/aggregate.schema.json', import.meta.url)
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(
      JSON.parse(readFileSync(schema, 'utf8')) as object,
    )
    const aggregate = aggregateRuns([
      { result: fixtureResult({ mode: 'async', msgsPerSec: 1000 }), file: 'async-run1.json' },
      { result: fixtureResult({ mode: 'async', msgsPerSec: 1100 }), file: 'async-run2.json' },
    ])

    expect(validate(aggregate), JSON.stringify(validate.errors)).to.equal(true)
  })

  it('builds fixture results that the result schema accepts', () => {
    expect(resultSchemaErrors(fixtureResult({ mode: 'baseline', msgsPerSec: 10 }))).to.deep.equal(
      [],
    )
  })
})
