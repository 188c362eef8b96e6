import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

/**
 * oclif writes completion functions under <BIN>_CACHE_DIR/autocomplete. For kbench that is
 * KBENCH_CACHE_DIR, the folder where kbench also keeps fetched Kafka releases, so the tests
 * point it at a fresh folder and restore it afterwards: the user's completions and Kafka cache
 * stay as they are, and the suite's broker, already running, does not need the cache.
 */
describe('autocomplete', function () {
  this.timeout(60_000)

  const previous = process.env.KBENCH_CACHE_DIR
  let cacheDir: string

  beforeEach(async () => {
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kbench-autocomplete-'))
    process.env.KBENCH_CACHE_DIR = cacheDir
  })

  afterEach(async () => {
    if (previous === undefined) delete process.env.KBENCH_CACHE_DIR
    else process.env.KBENCH_CACHE_DIR = previous

    await fs.rm(cacheDir, { recursive: true, force: true })
  })

  const functions = (...parts: string[]) =>
    fs.readFile(path.join(cacheDir, 'autocomplete', 'functions', ...parts), 'utf8')

  it('prints bash setup instructions and writes a completion that knows every kbench command', async () => {
    const { stdout, error } = await runCommand(['autocomplete', 'bash'])

    expect(error?.message).to.equal(undefined)
    expect(stdout).to.include('kbench autocomplete:script bash')

    const completion = await functions('bash', 'kbench.bash')
    const lines = completion.split('\n')
    for (const command of ['bench:all', 'bench:run', 'bench:baseline', 'kafka:reset']) {
      expect(lines.some((line) => line.startsWith(`${command} `))).to.equal(true, command)
    }

    const benchAll = lines.find((line) => line.startsWith('bench:all ')) ?? ''
    expect(benchAll.split(' ')).to.include.members([
      '--messages',
      '--modes',
      '--brokers',
      '--output-dir',
      '--metrics-port',
    ])
  })

  it('writes a zsh completion with the commands, their summaries and their flags', async () => {
    const { error } = await runCommand(['autocomplete', 'zsh'])

    expect(error?.message).to.equal(undefined)

    const completion = await functions('zsh', '_kbench')
    expect(completion).to.include('"bench\\:all:Run every installed consumer mode')
    expect(completion).to.include('"bench\\:run:')
    expect(completion).to.include('"kafka\\:reset:')
    expect(completion).to.match(/"--messages=-\[Messages to produce/)
  })

  it('points the shell setup script at the private cache folder', async () => {
    await runCommand(['autocomplete', 'bash'])

    const { stdout, error } = await runCommand(['autocomplete:script', 'bash'])

    expect(error?.message).to.equal(undefined)
    expect(stdout).to.include(path.join(cacheDir, 'autocomplete', 'bash_setup'))
    expect(await fs.readFile(path.join(cacheDir, 'autocomplete', 'bash_setup'), 'utf8')).to.include(
      path.join(cacheDir, 'autocomplete', 'functions', 'bash', 'kbench.bash'),
    )
  })
})
