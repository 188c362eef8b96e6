import fs from 'node:fs/promises'
import path from 'node:path'

import type { BenchResult } from './result.js'

/** A new folder for one run under `parent`, named by its start time: 2026-12-03T13-04-05-123Z. */
export async function createRunDirectory(parent: string, startedAt = new Date()): Promise<string> {
  const name = startedAt.toISOString().replace(/[:.]/g, '-')
  const dir = path.resolve(parent, name)
  await fs.mkdir(dir, { recursive: true })

  return dir
}

/**
 * Writes a result atomically (temporary file, then rename) as `name`, by default
 * `<mode>.json`, and returns its path.
 */
export async function writeResult(
  dir: string,
  result: BenchResult,
  name = `${result.mode}.json`,
): Promise<string> {
  const file = path.join(dir, name)
  await writeJsonAtomically(file, result)

  return file
}

export async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  const staging = `${file}.${process.pid}.tmp`
  await fs.writeFile(staging, `${JSON.stringify(value, null, 2)}\n`)
  await fs.rename(staging, file)
}
