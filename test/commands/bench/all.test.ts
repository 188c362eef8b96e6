import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import fs from 'node:fs/promises'
import path from 'node:path'

import type { BenchResult } from '../../../src/results/result.js'
import type { RunSummary } from '../../../src/results/summary.js'
import { testBrokers } from '../../helpers/kafka.js'
import { isolatedBenchFlags } from '../../helpers/results.js'

describe('bench:all and bench:run', function () {
  this.timeout(180_000)

  it('runs every bundled mode on the same workload, each from a clean slate, and compares them', async () => {
    const { result, error, stdout } = await runCommand<RunSummary>([
      'bench:all',
      ...isolatedBenchFlags('all'),
      '--messages',
      '1500',
      '--keys',
      '50',
      '--partitions',
      '4',
      '--work',
      'sleep:1',
    ])

    expect(error?.message).to.equal(undefined)
    expect(result?.modes.map((mode) => mode.mode)).to.deep.equal(['baseline', 'async', 'process'])
    expect(result?.verified).to.equal(true)
    for (const mode of result?.modes ?? []) {
      // Each mode found exactly its own 1500 messages: the reset before it emptied the topic.
      expect(mode.counts, mode.mode).to.include({
        produced: 1500,
        processed: 1500,
        lost: 0,
        orderViolations: 0,
      })
    }
    expect(result?.modes[0]?.ratioToBaseline).to.equal(1)
    expect(stdout).to.match(/async\s+[\d,]+\s+[\d.]+×/)

    const summary = JSON.parse(
      await fs.readFile(path.join(result!.directory, 'summary.json'), 'utf8'),
    ) as RunSummary
    expect(summary.modes).to.have.length(3)
  })

  it('runs a chosen subset with --modes', async () => {
    const { result } = await runCommand<RunSummary>([
      'bench:all',
      ...isolatedBenchFlags('all-subset'),
      '--modes',
      'async',
      '--messages',
      '500',
      '--work',
      'noop',
      '--json',
    ])

    expect(result?.modes.map((mode) => mode.mode)).to.deep.equal(['async'])
    expect(result?.modes[0]?.ratioToBaseline).to.equal(null)
  })

  it('passes a mode its own flags through bench:run', async () => {
    const { result, error } = await runCommand<BenchResult>([
      'bench:run',
      'async',
      ...isolatedBenchFlags('run-async'),
      '--messages',
      '800',
      '--work',
      'sleep:1',
      '--concurrency',
      '8',
      '--ordering',
      'partition',
      '--json',
    ])

    expect(error?.message).to.equal(undefined)
    expect(result?.mode).to.equal('async')
    expect(result?.modeSettings).to.include({ concurrency: 8, ordering: 'partition' })
    expect(result?.ordering).to.equal('partition')
    expect(result?.counts).to.include({ processed: 800, lost: 0, orderViolations: 0 })
  })

  it('names the known modes when asked for an unknown one', async () => {
    const { error } = await runCommand(['bench:run', 'turbo', '--brokers', testBrokers().join(',')])

    expect(error?.message).to.include('no consumer mode named "turbo"')
    expect(error?.message).to.include('baseline, async, process')
    expect(error?.oclif?.exit).to.equal(2)
  })
})
