import { expect } from 'chai'

import { aggregateRuns, spreadOf } from '../../src/results/aggregate.js'
import {
  COMPARED_METRICS,
  compareMetric,
  compareRuns,
  noisePercent,
} from '../../src/results/compare.js'
import { fixtureResult, type FixtureFigures } from './fixture-result.js'

function aggregateOf(...runs: FixtureFigures[]) {
  return aggregateRuns(
    runs.map((figures, index) => ({
      result: fixtureResult(figures),
      file: `run${index + 1}.json`,
    })),
  )
}

const throughput = COMPARED_METRICS.find(({ name }) => name === 'throughput')!
const e2eP99 = COMPARED_METRICS.find(({ name }) => name === 'e2eP99')!

describe('comparing runs', () => {
  it('uses the noise floor when neither side repeated its runs', () => {
    const single = { spread: spreadOf([100]), runs: 1 }

    expect(noisePercent(single, single)).to.equal(5)
    expect(noisePercent(single, single, 8)).to.equal(8)
  })

  it('uses the larger measured spread when a side repeated its runs', () => {
    const steady = { spread: spreadOf([99, 100, 101]), runs: 3 }
    const noisy = { spread: spreadOf([90, 100, 110]), runs: 3 }
    const single = { spread: spreadOf([100]), runs: 1 }

    expect(noisePercent(steady, noisy)).to.be.closeTo(20, 1e-9)
    expect(noisePercent(single, steady)).to.be.closeTo(2, 1e-9)
  })

  it('calls a throughput drop beyond the noise worse, and a rise better', () => {
    const old = aggregateOf({ mode: 'async', msgsPerSec: 1000 })

    const drop = compareMetric(throughput, old, aggregateOf({ mode: 'async', msgsPerSec: 900 }))
    const rise = compareMetric(throughput, old, aggregateOf({ mode: 'async', msgsPerSec: 1100 }))

    expect(drop).to.include({ changePercent: -10, significant: true, verdict: 'worse' })
    expect(rise).to.include({ changePercent: 10, significant: true, verdict: 'better' })
  })

  it('calls a latency rise worse, since lower latency is better', () => {
    const old = aggregateOf({ mode: 'async', msgsPerSec: 1000, e2eP99: 20 })

    const change = compareMetric(
      e2eP99,
      old,
      aggregateOf({ mode: 'async', msgsPerSec: 1000, e2eP99: 30 }),
    )

    expect(change).to.include({ changePercent: 50, verdict: 'worse' })
  })

  it('keeps a change within the spread of repeated runs insignificant', () => {
    const old = aggregateOf(
      { mode: 'async', msgsPerSec: 900 },
      { mode: 'async', msgsPerSec: 1000 },
      { mode: 'async', msgsPerSec: 1100 },
    )
    const current = aggregateOf({ mode: 'async', msgsPerSec: 850 })

    const change = compareMetric(throughput, old, current)

    expect(change.changePercent).to.equal(-15)
    expect(change.noisePercent).to.be.closeTo(20, 1e-9)
    expect(change).to.include({ significant: false, verdict: 'same' })
  })

  it('reports a change of exactly the noise as insignificant', () => {
    const old = aggregateOf({ mode: 'async', msgsPerSec: 1000 })

    const change = compareMetric(throughput, old, aggregateOf({ mode: 'async', msgsPerSec: 950 }))

    expect(change).to.include({ changePercent: -5, significant: false })
  })

  it('lists a regression only when it is significant and beyond the threshold', () => {
    const old = { source: 'old', aggregates: [aggregateOf({ mode: 'async', msgsPerSec: 1000 })] }
    const current = {
      source: 'new',
      aggregates: [aggregateOf({ mode: 'async', msgsPerSec: 920 })],
    }

    expect(compareRuns(old, current).regressions).to.deep.equal([])
    expect(compareRuns(old, current, { thresholdPercent: 5 }).regressions).to.deep.include({
      mode: 'async',
      metric: 'throughput',
      label: 'throughput msg/s',
      changePercent: -8,
      noisePercent: 5,
    })
  })

  it('reports modes found on one side only without judging them', () => {
    const comparison = compareRuns(
      {
        source: 'old',
        aggregates: [
          aggregateOf({ mode: 'baseline', msgsPerSec: 100 }),
          aggregateOf({ mode: 'async', msgsPerSec: 300 }),
        ],
      },
      {
        source: 'new',
        aggregates: [
          aggregateOf({ mode: 'async', msgsPerSec: 300 }),
          aggregateOf({ mode: 'batch', msgsPerSec: 10 }),
        ],
      },
    )

    expect(comparison.modes.map(({ mode }) => mode)).to.deep.equal(['async'])
    expect(comparison.onlyInOld).to.deep.equal(['baseline'])
    expect(comparison.onlyInNew).to.deep.equal(['batch'])
    expect(comparison.regressions).to.deep.equal([])
  })
})
