import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { connectionSettings } from '../../src/config/connection.js'
import { configSchema } from '../../src/config/schema.js'
import {
  killNodesNow,
  type LocalClusterState,
  startLocalCluster,
  stopLocalCluster,
} from '../../src/kafka/local/cluster.js'
import { isRunning } from '../../src/kafka/local/process.js'
import type { ResetReport } from '../../src/kafka/reset/reset.js'
import type { BenchResult } from '../../src/results/result.js'
import { uniqueName } from '../helpers/kafka.js'

const LISTENER = 'SASL_CLIENT'
const USER = 'kbench-user'
const PASSWORD_VARIABLE = 'KBENCH_TEST_SASL_PASSWORD'
const SCRAM_LOGIN = 'org.apache.kafka.common.security.scram.ScramLoginModule required;'

/** Every file under a folder, with its text. */
async function filesUnder(dir: string): Promise<Array<{ file: string; text: string }>> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true })

  return Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const file = path.join(entry.parentPath, entry.name)
        return { file, text: await fs.readFile(file, 'utf8') }
      }),
  )
}

describe('SASL/SCRAM against a broker that requires it', function () {
  this.timeout(90_000)

  const secret = `s3cret-${randomBytes(12).toString('hex')}`
  let cluster: LocalClusterState | undefined
  let workDir: string
  let journal: string
  let resultsDir: string
  const outputs: Array<{ what: string; text: string }> = []

  function writeConfig(mechanism: 'scram-sha-256' | 'scram-sha-512'): Promise<string> {
    const file = path.join(workDir, `${mechanism}.benchrc.json`)
    const config = {
      kafka: {
        brokers: cluster?.listenerBootstraps?.[LISTENER],
        sasl: { mechanism, username: USER, password: { env: PASSWORD_VARIABLE } },
      },
      journal: { path: journal, enabled: true },
      results: { outputDir: resultsDir },
    }

    return fs.writeFile(file, JSON.stringify(config, null, 2)).then(() => file)
  }

  before(async function () {
    this.timeout(120_000)

    workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kbench-sasl-'))
    journal = path.join(workDir, 'JOURNAL.md')
    resultsDir = path.join(workDir, 'results')
    cluster = await startLocalCluster({
      heap: '384m',
      extraListeners: [{ name: LISTENER, protocol: 'SASL_PLAINTEXT' }],
      brokerProperties: {
        'sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
        [`listener.name.${LISTENER.toLowerCase()}.scram-sha-256.sasl.jaas.config`]: SCRAM_LOGIN,
        [`listener.name.${LISTENER.toLowerCase()}.scram-sha-512.sasl.jaas.config`]: SCRAM_LOGIN,
      },
      formatArguments: [
        '--add-scram',
        `SCRAM-SHA-256=[name=${USER},password=${secret}]`,
        '--add-scram',
        `SCRAM-SHA-512=[name=${USER},password=${secret}]`,
      ],
    })
    process.once('exit', () => cluster && killNodesNow(cluster.nodes))
  })

  beforeEach(() => {
    process.env[PASSWORD_VARIABLE] = secret
  })

  afterEach(() => {
    delete process.env[PASSWORD_VARIABLE]
  })

  after(async function () {
    this.timeout(60_000)

    if (cluster) await stopLocalCluster(cluster, { graceMs: 5000 })
    await fs.rm(workDir, { recursive: true, force: true })
    expect((cluster?.nodes ?? []).filter((node) => isRunning(node.pid))).to.deep.equal([])
  })

  it('starts a SASL listener on its own port next to the plaintext one', () => {
    const [node] = cluster?.nodes ?? []

    expect(node?.listenerPorts?.[LISTENER]).to.be.a('number')
    expect(node?.listenerPorts?.[LISTENER]).to.not.equal(node?.brokerPort)
    expect(cluster?.listenerBootstraps?.[LISTENER]).to.equal(
      `127.0.0.1:${node?.listenerPorts?.[LISTENER]}`,
    )
  })

  it('runs a benchmark with SCRAM-SHA-256, the password read from the environment', async () => {
    const config = await writeConfig('scram-sha-256')
    const run = await runCommand<BenchResult>([
      'bench:baseline',
      '--config',
      config,
      '--topic',
      uniqueName('sasl'),
      '--group',
      uniqueName('sasl-group'),
      '--messages',
      '300',
      '--partitions',
      '2',
      '--work',
      'noop',
      '--json',
    ])
    outputs.push(
      { what: 'bench stdout', text: run.stdout },
      { what: 'bench stderr', text: run.stderr },
    )

    expect(run.error?.message).to.equal(undefined)
    expect(run.result?.counts).to.include({ produced: 300, processed: 300, lost: 0 })
  })

  it('resets topics and groups with SCRAM-SHA-512', async () => {
    const config = await writeConfig('scram-sha-512')
    const topic = uniqueName('sasl-reset')
    const run = await runCommand<ResetReport>([
      'kafka:reset',
      '--config',
      config,
      '--topics',
      topic,
      '--groups',
      uniqueName('sasl-reset-group'),
      '--json',
    ])
    outputs.push(
      { what: 'reset stdout', text: run.stdout },
      { what: 'reset stderr', text: run.stderr },
    )

    expect(run.error?.message).to.equal(undefined)
    expect(run.result?.topics[0]?.topic).to.equal(topic)
  })

  it('refuses a wrong password with exit 4, naming the mechanism and the user', async () => {
    process.env[PASSWORD_VARIABLE] = `wrong-${secret}`
    const config = await writeConfig('scram-sha-256')

    const reset = await runCommand([
      'kafka:reset',
      '--config',
      config,
      '--topics',
      uniqueName('sasl-refused'),
      '--verbose',
    ])
    const bench = await runCommand([
      'bench:async',
      '--config',
      config,
      '--topic',
      uniqueName('sasl-refused'),
      '--messages',
      '10',
      '--verbose',
      '--json',
    ])
    outputs.push(
      {
        what: 'refused reset',
        text: [reset.stdout, reset.stderr, reset.error?.message].join('\n'),
      },
      {
        what: 'refused bench',
        text: [bench.stdout, bench.stderr, bench.error?.message].join('\n'),
      },
    )

    for (const { error } of [reset, bench]) {
      expect(error?.oclif?.exit, error?.message).to.equal(4)
      expect(error?.message).to.include(`user "${USER}"`)
      expect(error?.message).to.include('SCRAM-SHA-256')
      expect(error?.message).to.not.include(secret)
    }
  })

  it('never writes the password to stdout, stderr, --json, the results or the journal', async () => {
    const written = await filesUnder(workDir)

    expect(outputs.length).to.be.at.least(6)
    expect(written.some(({ file }) => file === journal)).to.equal(true)
    expect(written.some(({ file }) => file.endsWith('baseline.json'))).to.equal(true)
    for (const { what, text } of [
      ...outputs,
      ...written.map((f) => ({ what: f.file, text: f.text })),
    ])
      expect(text.includes(secret), `${what} holds the password`).to.equal(false)
  })
})

describe('SASL/PLAIN connection settings', () => {
  it('reads the PLAIN password from the variable the configuration names', () => {
    const config = configSchema.parse({
      kafka: { sasl: { mechanism: 'plain', username: 'alice', password: { env: 'PLAIN_PW' } } },
    })

    const settings = connectionSettings(config, ['127.0.0.1:9092'], { PLAIN_PW: 'p' })

    expect(settings.sasl).to.deep.equal({ mechanism: 'plain', username: 'alice', password: 'p' })
  })

  it('refuses a missing variable with exit 3, naming it but holding no value', () => {
    const config = configSchema.parse({
      kafka: { sasl: { mechanism: 'plain', username: 'alice', password: { env: 'PLAIN_PW' } } },
    })

    expect(() => connectionSettings(config, ['127.0.0.1:9092'], {}))
      .to.throw(/PLAIN_PW, which is not set/)
      .with.property('exitCode', 3)
  })
})
