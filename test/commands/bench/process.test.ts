import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import type { BenchResult } from '../../../src/results/result.js'
import { isolatedBenchFlags } from '../../helpers/results.js'

/** Worker processes of this test process that are still alive. */
function liveWorkers(): number[] {
  try {
    const out = execFileSync('pgrep', ['-P', String(process.pid), '-f', 'process-worker'], {
      encoding: 'utf8',
    })
    return out.split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

function bench(name: string, ...extra: string[]) {
  return runCommand<BenchResult>(['bench:process', ...isolatedBenchFlags(name), '--json', ...extra])
}

describe('bench:process', function () {
  this.timeout(180_000)

  let handlers: string

  before(async () => {
    handlers = await fs.mkdtemp(path.join(os.tmpdir(), 'kbench-process-handlers-'))
  })

  afterEach(() => {
    expect(liveWorkers(), 'worker processes left behind').to.deep.equal([])
  })

  after(async () => {
    await fs.rm(handlers, { recursive: true, force: true })
  })

  it('keeps key order with several workers and leaves no worker behind', async () => {
    const { result, error } = await bench(
      'process-order',
      '--messages',
      '3000',
      '--keys',
      '40',
      '--partitions',
      '4',
      '--work',
      'sleep:1',
      '--workers',
      '3',
      '--ordering',
      'key',
    )

    expect(error?.message).to.equal(undefined)
    expect(result?.counts).to.include({
      produced: 3000,
      processed: 3000,
      lost: 0,
      orderViolations: 0,
    })
    expect(result?.commits.matchesEndOffsets).to.equal(true)
  })

  it('survives a handler that kills its own worker: nothing lost, the restart counted', async () => {
    const marker = path.join(handlers, 'crashed-once')
    const handler = path.join(handlers, 'crash-once.mjs')
    await fs.writeFile(
      handler,
      [
        "import { existsSync, writeFileSync } from 'node:fs'",
        'export default async function (message) {',
        `  if (message.headers['kbench-id'] === '777' && !existsSync(${JSON.stringify(marker)})) {`,
        `    writeFileSync(${JSON.stringify(marker)}, 'x')`,
        '    process.exit(1)',
        '  }',
        '}',
        '',
      ].join('\n'),
    )

    const { result, error } = await bench(
      'process-crash',
      '--messages',
      '2000',
      '--keys',
      '100',
      '--partitions',
      '4',
      '--work',
      `module:${handler}`,
      '--workers',
      '2',
    )

    expect(error?.message).to.equal(undefined)
    expect(result?.counts).to.include({
      produced: 2000,
      processed: 2000,
      lost: 0,
      orderViolations: 0,
    })
    expect(result?.resources.workerRestarts).to.be.at.least(1)
  })

  it('times out a hanging handler and fails the run naming the message', async () => {
    const handler = path.join(handlers, 'hang.mjs')
    await fs.writeFile(
      handler,
      "export default (message) => message.headers['kbench-id'] === '10' ? new Promise(() => {}) : undefined\n",
    )

    const started = Date.now()
    const { result, error } = await bench(
      'process-hang',
      '--messages',
      '200',
      '--keys',
      '10',
      '--partitions',
      '2',
      '--work',
      `module:${handler}`,
      '--workers',
      '2',
      '--task-timeout',
      '500',
      '--max-retries',
      '1',
      '--timeout',
      '60s',
    )

    expect(Date.now() - started).to.be.below(60_000)
    expect(error?.oclif?.exit).to.equal(7)
    expect(error?.message).to.match(
      /did not finish within 500 ms on topic \S+ partition \d+ offset \d+/,
    )
    expect(result).to.equal(undefined)
  })
})
