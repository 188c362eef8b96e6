import { Config } from '@oclif/core'
import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { discoverModes } from '../../src/modes/registry.js'
import type { RunSummary } from '../../src/results/summary.js'
import { testBrokers, uniqueName } from '../helpers/kafka.js'
import { suiteResultsDir } from '../helpers/results.js'

const root = new URL('../../', import.meta.url).pathname
const pluginName = 'kbench-plugin-concurrent-partitions'
const pluginDir = path.join(root, 'examples', pluginName)

/**
 * oclif keeps the user's plugins under <BIN>_DATA_DIR and its autocomplete cache, which
 * linking refreshes, under <BIN>_CACHE_DIR. Both point at a fresh folder for this file, so
 * linking here never touches the plugins or completions of the person running the tests.
 */
const isolated = ['KBENCH_DATA_DIR', 'KBENCH_CACHE_DIR'] as const

/** oclif warns on every load that a linked ESM plugin is not transpiled; this one is plain JS. */
const quiet = 'OCLIF_DISABLE_LINKED_ESM_WARNING'

async function installedModeNames(): Promise<Map<string, string>> {
  const config = await Config.load({ root })
  const { modes } = await discoverModes(config)

  return new Map([...modes].map(([name, { plugin }]) => [name, plugin]))
}

describe('the example concurrent-partitions plugin', function () {
  this.timeout(180_000)

  const saved = new Map<string, string | undefined>()
  let home: string

  before(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'kbench-plugin-home-'))

    for (const name of isolated) {
      saved.set(name, process.env[name])
      process.env[name] = path.join(home, name.toLowerCase())
    }

    saved.set(quiet, process.env[quiet])
    process.env[quiet] = '1'
  })

  after(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }

    await fs.rm(home, { recursive: true, force: true })
  })

  it('is unknown to kbench before it is linked', async () => {
    const modes = await installedModeNames()

    expect(modes.has('concurrent-partitions')).to.equal(false)
    expect(modes.get('baseline')).to.equal('kbench')
  })

  it('links without installing anything and contributes its mode through discovery', async () => {
    const { error } = await runCommand(['plugins:link', pluginDir, '--no-install'])

    expect(error?.message).to.equal(undefined)
    const userPlugins = JSON.parse(
      await fs.readFile(path.join(home, 'kbench_data_dir', 'package.json'), 'utf8'),
    ) as { oclif: { plugins: Array<{ name: string; type: string }> } }
    expect(userPlugins.oclif.plugins).to.deep.include({
      name: pluginName,
      root: pluginDir,
      type: 'link',
    })

    const modes = await installedModeNames()
    expect(modes.get('concurrent-partitions')).to.equal(pluginName)
  })

  it('runs in bench:all next to the baseline and processes every produced message', async () => {
    const { result, error } = await runCommand<RunSummary>([
      'bench:all',
      '--modes',
      'baseline,concurrent-partitions',
      '--messages',
      '1500',
      '--partitions',
      '4',
      '--work',
      'noop',
      '--brokers',
      testBrokers().join(','),
      '--topic',
      uniqueName('example-plugin'),
      '--group',
      uniqueName('example-plugin-group'),
      '--output-dir',
      suiteResultsDir(),
      '--json',
      '--no-journal',
    ])

    expect(error?.message).to.equal(undefined)
    const byMode = new Map(result?.modes.map((entry) => [entry.mode, entry]))
    expect([...byMode.keys()]).to.deep.equal(['baseline', 'concurrent-partitions'])

    const counts = byMode.get('concurrent-partitions')?.counts
    expect(counts?.produced).to.equal(1500)
    expect(counts?.processed).to.equal(1500)
    expect(counts?.lost).to.equal(0)
    expect(counts?.orderViolations).to.equal(0)
  })

  it('is gone once unlinked: bench:run no longer knows its mode', async () => {
    const unlinked = await runCommand(['plugins:unlink', pluginName])
    expect(unlinked.error?.message).to.equal(undefined)

    const modes = await installedModeNames()
    expect(modes.has('concurrent-partitions')).to.equal(false)

    const { error } = await runCommand([
      'bench:run',
      'concurrent-partitions',
      '--brokers',
      testBrokers().join(','),
      '--skip-reset',
    ])
    expect(error?.message).to.include('There is no consumer mode named "concurrent-partitions"')
    expect(error?.oclif?.exit).to.equal(2)
    expect((error as { code?: string } | undefined)?.code).to.equal('UNKNOWN_MODE')
  })
})
