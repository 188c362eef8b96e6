import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import type { RunSummary } from '../../src/results/summary.js'
import type { WrittenReport } from '../../src/results/report/write-report.js'
import { testBrokers, uniqueName } from '../helpers/kafka.js'
import { suiteResultsDir } from '../helpers/results.js'
import { openReport } from '../results/report-browser.js'

const fixtures = new URL('../fixtures/results/', import.meta.url)

/** A private copy of a fixture folder, so that reports never land in the repository. */
async function copyFixture(name: string, scratch: string): Promise<string> {
  const target = path.join(scratch, name)
  await fs.cp(new URL(name, fixtures), target, { recursive: true })

  return target
}

describe('report', function () {
  this.timeout(60_000)

  let scratch: string

  beforeEach(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'kbench-report-'))
  })

  afterEach(async () => {
    await fs.rm(scratch, { recursive: true, force: true })
  })

  it('writes report.md with the median and spread of repeated runs', async () => {
    const folder = await copyFixture('repeated', scratch)

    const { result, error, stdout } = await runCommand<WrittenReport>(['report', folder])

    expect(error?.message).to.equal(undefined)
    expect(result?.modes).to.deep.equal(['baseline', 'async', 'process'])
    expect(stdout).to.include(path.join(folder, 'report.html'))
    const markdown = await fs.readFile(path.join(folder, 'report.md'), 'utf8')
    expect(markdown).to.match(/\| async \| 3 \| 300 \| 291 \| 312 \| 7\.0% \| [\d.]+ \| 3\.00× \|/)
    expect(markdown).to.include('| async | 12.0 ±3.5% |')
    expect(markdown).to.include('## Correctness')
    expect(markdown).to.include('| baseline | 3,000 | 3,000 | 0 | 0 | 0 | 0 | 3/3 | yes |')
    expect(markdown).to.include('## Resources')
    expect(markdown).to.include('| process | process-run2.json | 260 |')
  })

  it('reports single runs without spreads', async () => {
    const folder = await copyFixture('single', scratch)

    await runCommand(['report', folder])

    const markdown = await fs.readFile(path.join(folder, 'report.md'), 'utf8')
    expect(markdown).to.match(/\| process \| 1 \| 250 \| 250 \| 250 \| - \| [\d.]+ \| 2\.50× \|/)
    expect(markdown).to.include('| baseline | 40.0 | 110 |')
    expect(markdown).not.to.include('±')
    expect(markdown).not.to.include('## Runs')
  })

  it('writes a self-contained report.html that loads nothing from the network', async () => {
    const folder = await copyFixture('single', scratch)

    await runCommand(['report', folder])

    const html = await fs.readFile(path.join(folder, 'report.html'), 'utf8')
    expect(html).not.to.match(/<(script|link|img)[^>]+(src|href)=/i)
    expect(html).to.include('dataset.chartsRendered')
    for (const id of ['chart-throughput', 'chart-latency', 'chart-lag', 'chart-relative']) {
      expect(html).to.include(`id="${id}"`)
    }
  })

  it('draws every chart in headless Chromium without a page error', async () => {
    const folder = await copyFixture('repeated', scratch)
    await runCommand(['report', folder])

    const page = await openReport(path.join(folder, 'report.html'))

    expect(page.pageErrors).to.deep.equal([])
    expect(page.outsideRequests).to.deep.equal([])
    expect(page.chartsRendered).to.equal('4')
    expect(page.canvases.map(({ id }) => id)).to.deep.equal([
      'chart-throughput',
      'chart-latency',
      'chart-lag',
      'chart-relative',
    ])
    for (const canvas of page.canvases) {
      expect(canvas.width, canvas.id).to.be.greaterThan(100)
      expect(canvas.height, canvas.id).to.be.greaterThan(100)
    }
    expect((await fs.stat(page.screenshot)).size).to.be.greaterThan(10_000)
  })

  it('exits 2 naming the folder when it holds no results', async () => {
    const { error } = await runCommand(['report', scratch])

    expect(error?.message).to.include(`No kbench results in ${scratch}`)
    expect(error?.oclif?.exit).to.equal(2)
  })

  it('exits 2 when the folder does not exist', async () => {
    const missing = path.join(scratch, 'missing')

    const { error } = await runCommand(['report', missing])

    expect(error?.message).to.include(`Cannot read the results folder ${missing}`)
    expect(error?.oclif?.exit).to.equal(2)
  })
})

describe('bench:all with --repeat and its report', function () {
  this.timeout(300_000)

  it('keeps every run, aggregates each mode and writes a report whose charts render', async () => {
    const { result, error } = await runCommand<RunSummary>([
      'bench:all',
      '--brokers',
      testBrokers().join(','),
      '--topic',
      uniqueName('repeat'),
      '--group',
      uniqueName('repeat-group'),
      '--output-dir',
      suiteResultsDir(),
      '--no-journal',
      '--repeat',
      '2',
      '--messages',
      '600',
      '--partitions',
      '4',
      '--work',
      'sleep:1',
    ])

    expect(error?.message).to.equal(undefined)
    const folder = result!.directory
    const files = (await fs.readdir(folder)).sort()
    for (const mode of ['baseline', 'async', 'process']) {
      expect(files).to.include.members([
        `${mode}-run1.json`,
        `${mode}-run2.json`,
        `${mode}.aggregate.json`,
      ])
      expect(files).not.to.include(`${mode}.json`)
    }
    expect(files).to.include.members(['summary.json', 'report.md', 'report.html'])
    // Each run found exactly its own 600 messages: every repeat started from its own reset.
    expect(result?.modes).to.have.length(6)
    for (const line of result?.modes ?? []) {
      expect(line.counts, line.file).to.include({ produced: 600, processed: 600, lost: 0 })
    }

    const aggregate = JSON.parse(
      await fs.readFile(path.join(folder, 'async.aggregate.json'), 'utf8'),
    ) as { runs: number; counts: { processed: number } }
    expect(aggregate).to.include({ runs: 2 })
    expect(aggregate.counts.processed).to.equal(1200)

    const page = await openReport(path.join(folder, 'report.html'))
    console.log(`      report screenshot: ${page.screenshot}`)
    expect(page.pageErrors).to.deep.equal([])
    expect(page.chartsRendered).to.equal('4')
    expect(page.canvases.every(({ width, height }) => width > 100 && height > 100)).to.equal(true)
  })
})
