import { expect } from 'chai'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { loadConfig } from '../../src/config/load.js'
import { connectionSettings } from '../../src/config/connection.js'
import { KbenchError } from '../../src/errors.js'

async function fixture(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kbench-config-'))
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text)

  return dir
}

async function loadError(options: Parameters<typeof loadConfig>[0]): Promise<KbenchError> {
  const error = await loadConfig(options).then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).to.be.instanceOf(KbenchError)

  return error as KbenchError
}

describe('loadConfig', () => {
  it('applies the defaults when no file exists', async () => {
    const dir = await fixture({ 'package.json': '{"name":"x"}' })
    const { config, filepath } = await loadConfig({ cwd: dir })

    expect(filepath).to.equal(undefined)
    expect(config.reset).to.include({
      retries: 3,
      timeout: 10_000,
      allowPattern: '^(kbench-|bench-)',
    })
    expect(config.journal.path).to.equal('benchmarks/JOURNAL.md')
  })

  it('finds .benchrc.yaml and parses durations', async () => {
    const dir = await fixture({
      'package.json': '{"name":"x"}',
      '.benchrc.yaml': 'topics:\n  kbench-a:\n    partitions: 3\nreset:\n  timeout: 2s\n',
    })
    const { config, filepath } = await loadConfig({ cwd: dir })

    expect(filepath).to.equal(path.join(dir, '.benchrc.yaml'))
    expect(config.topics['kbench-a']?.partitions).to.equal(3)
    expect(config.reset.timeout).to.equal(2000)
  })

  it('reads the bench key of package.json', async () => {
    const dir = await fixture({ 'package.json': '{"name":"x","bench":{"groups":["g1"]}}' })

    expect((await loadConfig({ cwd: dir })).config.groups).to.deep.equal(['g1'])
  })

  it('gives the file and the line and column of a JSON syntax error', async () => {
    const dir = await fixture({ '.benchrc.json': '{\n  "groups": ["a",]\n}\n' })
    const error = await loadError({ cwd: dir })

    expect(error.code).to.equal('CONFIG_UNREADABLE')
    expect(error.message).to.include(path.join(dir, '.benchrc.json'))
    expect(error.message).to.match(/line 2 column \d+/)
    expect(error.exitCode).to.equal(3)
  })

  it('names the path of a field of the wrong type, what was expected and what was found', async () => {
    const dir = await fixture({
      '.benchrc.json': '{"topics":{"kbench-a":{"partitions":"twelve"}}}',
    })
    const error = await loadError({ cwd: dir })

    expect(error.code).to.equal('CONFIG_INVALID')
    expect(error.message).to.include(
      'topics.kbench-a.partitions: expected number, found string "twelve"',
    )
  })

  it('reports unknown keys instead of ignoring them', async () => {
    const dir = await fixture({ '.benchrc.json': '{"kafak":{},"reset":{"retires":2}}' })
    const error = await loadError({ cwd: dir })

    expect(error.message).to.include('unknown key "kafak"')
    expect(error.message).to.include('reset: unknown key "retires"')
  })

  it('reads exactly the file --config names and fails clearly when it is missing', async () => {
    const dir = await fixture({
      'custom.json': '{"groups":["from-custom"]}',
      '.benchrc.json': '{"groups":["found"]}',
    })

    expect(
      (await loadConfig({ cwd: dir, explicitPath: 'custom.json' })).config.groups,
    ).to.deep.equal(['from-custom'])
    const error = await loadError({ cwd: dir, explicitPath: 'absent.json' })
    expect(error.code).to.equal('CONFIG_NOT_FOUND')
    expect(error.message).to.include('absent.json')
  })

  it('reads SASL passwords from the environment variable the file names', async () => {
    const dir = await fixture({
      '.benchrc.json': JSON.stringify({
        kafka: {
          sasl: {
            mechanism: 'scram-sha-512',
            username: 'bench',
            password: { env: 'KBENCH_TEST_SECRET' },
          },
        },
      }),
    })
    const { config } = await loadConfig({ cwd: dir })

    const settings = connectionSettings(config, ['127.0.0.1:9092'], {
      KBENCH_TEST_SECRET: 's3cret',
    })
    expect(settings.sasl).to.deep.equal({
      mechanism: 'scram-sha-512',
      username: 'bench',
      password: 's3cret',
    })
    expect(() => connectionSettings(config, ['127.0.0.1:9092'], {})).to.throw(/KBENCH_TEST_SECRET/)
  })
})
