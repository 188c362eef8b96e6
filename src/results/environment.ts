import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import { promisify } from 'node:util'

import type { BenchResult } from './result.js'

const run = promisify(execFile)
const require = createRequire(import.meta.url)

function packageVersion(specifier: string): string {
  try {
    const file = require.resolve(specifier)
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

async function gitCommit(cwd: string): Promise<string | null> {
  try {
    const { stdout } = await run('git', ['rev-parse', 'HEAD'], { cwd })
    return stdout.trim() || null
  } catch {
    return null
  }
}

/** Where a result was measured: versions, CPU and the working directory's commit. */
export async function describeEnvironment(
  brokerVersion: string | null,
  cwd = process.cwd(),
): Promise<BenchResult['env']> {
  const cpus = os.cpus()

  return {
    kbench: packageVersion('../../package.json'),
    node: process.version,
    kafkajs: packageVersion('kafkajs/package.json'),
    broker: brokerVersion,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: os.availableParallelism(),
    platform: `${process.platform}-${process.arch}`,
    gitCommit: await gitCommit(cwd),
  }
}
