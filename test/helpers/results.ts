import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { mkdirSync, readFileSync } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { testBrokers, uniqueName } from './kafka.js'

const schemaFile = new URL('../../schemas/result.schema.json', import.meta.url)

/**
 * The folder under which the suite's bench commands write their results. The root hook
 * validates every result found there against the published schema after the suite.
 */
export function suiteResultsDir(): string {
  process.env.KBENCH_TEST_RESULTS ??= path.join(os.tmpdir(), `kbench-test-results-${process.pid}`)
  mkdirSync(process.env.KBENCH_TEST_RESULTS, { recursive: true })

  return process.env.KBENCH_TEST_RESULTS
}

/** Returns the schema errors of a result, or an empty list when it is valid. */
export function resultSchemaErrors(result: unknown): string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: false })
  addFormats.default(ajv)
  const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object)
  if (validate(result)) return []

  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`)
}

/** Every `<mode>.json` (and `<mode>-run<k>.json`) under a folder, recursively. */
export async function findResultFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])

  return entries
    .filter(
      (entry) =>
        entry.isFile() &&
        entry.name.endsWith('.json') &&
        entry.name !== 'summary.json' &&
        !entry.name.endsWith('.aggregate.json'),
    )
    .map((entry) => path.join(entry.parentPath, entry.name))
}

/**
 * The flags that point a bench command at the suite's broker, on a topic and group of its
 * own, with results where the root hook validates them and no journal line.
 */
export function isolatedBenchFlags(name: string): string[] {
  return [
    '--brokers',
    testBrokers().join(','),
    '--topic',
    uniqueName(name),
    '--group',
    uniqueName(`${name}-group`),
    '--output-dir',
    suiteResultsDir(),
    '--no-journal',
  ]
}
