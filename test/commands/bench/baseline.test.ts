import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import { spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'

import type { BenchResult } from '../../../src/results/result.js'
import { eventually, testBrokers, testKafka, uniqueName } from '../../helpers/kafka.js'
import {
  findResultFiles,
  isolatedBenchFlags,
  resultSchemaErrors,
  suiteResultsDir,
} from '../../helpers/results.js'

const devBin = new URL('../../../bin/dev.js', import.meta.url).pathname

describe('bench:baseline', function () {
  this.timeout(120_000)

  it('processes every produced message once, in order, and commits to the end offsets', async () => {
    const { result, error } = await runCommand<BenchResult>([
      'bench:baseline',
      ...isolatedBenchFlags('baseline'),
      '--messages',
      '3000',
      '--keys',
      '50',
      '--partitions',
      '4',
      '--work',
      'noop',
      '--json',
    ])

    expect(error?.message).to.equal(undefined)
    expect(result?.complete).to.equal(true)
    expect(result?.counts).to.include({
      produced: 3000,
      processed: 3000,
      duplicates: 0,
      lost: 0,
      orderViolations: 0,
    })
    expect(result?.commits.matchesEndOffsets).to.equal(true)
    expect(result?.commits.partitions).to.have.length(4)
    expect(result?.latency.e2e.count).to.equal(3000)
    expect(resultSchemaErrors(result)).to.deep.equal([])
  })

  it('never reports more than the physical bound of a sequential consumer with 2 ms of work', async () => {
    const { result } = await runCommand<BenchResult>([
      'bench:baseline',
      ...isolatedBenchFlags('baseline-sleep'),
      '--messages',
      '400',
      '--keys',
      '20',
      '--partitions',
      '2',
      '--work',
      'sleep:2',
      '--json',
    ])

    expect(result?.counts.processed).to.equal(400)
    // One message at a time, each waiting at least 2 ms: at most 500 messages per second.
    expect(result?.throughput.msgsPerSec).to.be.above(0).and.at.most(500)
    expect(result?.latency.processing.p50).to.be.at.least(2)
  })

  it('stops cleanly on SIGINT: writes complete false, exits non-zero and leaves the group empty', async () => {
    const outputDir = await fs.mkdtemp(path.join(suiteResultsDir(), 'sigint-'))
    const group = uniqueName('sigint-group')
    const child = spawn(
      process.execPath,
      [
        devBin,
        'bench:baseline',
        '--brokers',
        testBrokers().join(','),
        '--topic',
        uniqueName('sigint'),
        '--group',
        group,
        '--messages',
        '20000',
        '--partitions',
        '2',
        '--work',
        'sleep:5',
        '--output-dir',
        outputDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    )

    await eventually(
      'the consumer to process its first messages',
      async () => /consuming: [1-9]/.test(stderr),
      60_000,
    )
    const interruptedAt = Date.now()
    child.kill('SIGINT')
    const code = await exited

    expect(Date.now() - interruptedAt).to.be.below(10_000)
    expect(code).to.equal(130)

    const [file] = await findResultFiles(outputDir)
    const result = JSON.parse(await fs.readFile(file as string, 'utf8')) as BenchResult
    expect(result.complete).to.equal(false)
    expect(result.counts.processed).to.be.above(0).and.below(20_000)

    const admin = testKafka().admin()
    await admin.connect()
    const { groups } = await admin.describeGroups([group])
    await admin.disconnect()
    expect(groups[0]?.members).to.deep.equal([])
  })
})
