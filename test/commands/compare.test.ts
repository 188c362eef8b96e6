import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import { fileURLToPath } from 'node:url'

import type { Comparison } from '../../src/results/compare.js'

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/results/${name}`, import.meta.url))

describe('compare', () => {
  it('finds no significant change when a run is compared with itself, and exits 0', async () => {
    const { result, error } = await runCommand<Comparison>([
      'compare',
      fixture('single'),
      fixture('single'),
      '--json',
    ])

    expect(error).to.equal(undefined)
    expect(result?.modes.map(({ mode }) => mode)).to.deep.equal(['baseline', 'async', 'process'])
    const changes = result?.modes.flatMap(({ metrics }) => metrics) ?? []
    expect(changes).to.have.length(12)
    expect(changes.every((change) => !change.significant && change.changePercent === 0)).to.equal(
      true,
    )
  })

  it('compares repeated runs with themselves using their measured spread', async () => {
    const { result, error } = await runCommand<Comparison>([
      'compare',
      fixture('repeated'),
      fixture('repeated'),
      '--json',
    ])

    expect(error).to.equal(undefined)
    const async = result?.modes.find(({ mode }) => mode === 'async')
    expect(async?.oldRuns).to.equal(3)
    expect(async?.metrics[0]?.noisePercent).to.be.closeTo(7, 0.1)
    expect(result?.regressions).to.deep.equal([])
  })

  it('exits 9 naming the mode and metric when throughput dropped 30%', async () => {
    const { error, stdout } = await runCommand([
      'compare',
      fixture('single'),
      fixture('async-slower'),
    ])

    expect(error?.oclif?.exit).to.equal(9)
    expect(error?.message).to.include('async throughput msg/s -30.0%')
    expect(error?.message).to.include('beyond 10%')
    expect(stdout).to.match(/async\s+throughput msg\/s\s+300\s+210\s+-30\.0%\s+5\.0%\s+WORSE/)
  })

  it('prints the comparison as JSON before failing with --json', async () => {
    const { error, stdout } = await runCommand([
      'compare',
      fixture('single'),
      fixture('async-slower'),
      '--json',
    ])

    expect(error?.oclif?.exit).to.equal(9)
    const printed = JSON.parse(stdout) as Comparison
    expect(printed.regressions).to.have.length(1)
    expect(printed.regressions[0]).to.include({ mode: 'async', metric: 'throughput' })
    expect(printed.regressions[0]?.changePercent).to.be.closeTo(-30, 1e-9)
  })

  it('lets the drop pass when the threshold is above it', async () => {
    const { error } = await runCommand([
      'compare',
      fixture('single'),
      fixture('async-slower'),
      '--fail-on-regression',
      '40',
    ])

    expect(error).to.equal(undefined)
  })

  it('accepts single files on either side: an aggregate and a result', async () => {
    const { result, error, stdout } = await runCommand<Comparison>([
      'compare',
      fixture('repeated/async.aggregate.json'),
      fixture('single/async.json'),
      '--json',
    ])

    expect(error).to.equal(undefined)
    expect(result?.modes.map(({ mode }) => mode)).to.deep.equal(['async'])
    expect(JSON.parse(stdout)).to.have.property('onlyInNew').that.deep.equals([])
  })

  it('reports a mode present on one side only, without failing', async () => {
    const { error, stdout } = await runCommand([
      'compare',
      fixture('single'),
      fixture('single/async.json'),
    ])

    expect(error).to.equal(undefined)
    expect(stdout).to.include('only in old: baseline, process')
  })

  it('exits 2 when a side is missing', async () => {
    const { error } = await runCommand(['compare', fixture('single'), fixture('nowhere')])

    expect(error?.oclif?.exit).to.equal(2)
    expect(error?.message).to.include('nowhere')
  })
})
