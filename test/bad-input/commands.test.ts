import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import type { Admin } from 'kafkajs'

import { testBrokers, testKafka, uniqueName } from '../helpers/kafka.js'
import { suiteResultsDir } from '../helpers/results.js'
import { childPids, expectRefusal, scratch } from './expectations.js'

describe('kafka and validate commands refuse bad input', function () {
  this.timeout(60_000)

  let admin: Admin
  let files: Awaited<ReturnType<typeof scratch>>
  let childrenBefore: number[]
  const stateDir = process.env.KBENCH_STATE_DIR

  before(async () => {
    admin = testKafka().admin()
    await admin.connect()
    files = await scratch('bad-commands')
    // Commands that read the recorded local cluster look here, never at a real one.
    process.env.KBENCH_STATE_DIR = files.dir
  })

  beforeEach(() => {
    childrenBefore = childPids()
  })

  afterEach(() => {
    expect(childPids(), 'processes left behind').to.deep.equal(childrenBefore)
  })

  after(async () => {
    if (stateDir === undefined) delete process.env.KBENCH_STATE_DIR
    else process.env.KBENCH_STATE_DIR = stateDir
    await admin.disconnect()
    await files.remove()
  })

  describe('kafka:start', () => {
    it('refuses zero brokers with exit 2, naming the range', async () => {
      const { error } = await runCommand(['kafka:start', '--brokers-count', '0'])

      expectRefusal(error, 2, /brokers count/, /--brokers-count with a value from 1 to 5/)
    })

    it('refuses a brokers count that is not a number with exit 2', async () => {
      const { error } = await runCommand(['kafka:start', '--brokers-count', 'three'])

      expectRefusal(error, 2, /--brokers-count/, /three/)
    })

    it('refuses a malformed heap with exit 2 before starting Java', async () => {
      const { error } = await runCommand(['kafka:start', '--heap', 'lots'])

      expectRefusal(error, 2, /--heap "lots"/, /--heap 512m/)
    })
  })

  describe('kafka:stop and kafka:status', () => {
    it('kafka:stop refuses a negative grace period with exit 2', async () => {
      const { error } = await runCommand(['kafka:stop', '--grace', '-1'])

      expectRefusal(error, 2, /--grace/, /greater than or equal to 0/)
    })

    for (const command of ['kafka:stop', 'kafka:status']) {
      it(`${command} reports a corrupt cluster record with exit 6 and how to clear it`, async () => {
        await files.write('local-cluster.json', '{ "nodes": [')

        const { error } = await runCommand([command])

        expectRefusal(error, 6, /local-cluster\.json is not valid JSON/, /then delete/)
      })
    }
  })

  describe('kafka:reset', () => {
    const brokers = () => testBrokers().join(',')

    it('refuses an invalid topic name with exit 2 and creates nothing', async () => {
      const { error } = await runCommand([
        'kafka:reset',
        '--brokers',
        brokers(),
        '--topics',
        'bad/topic!',
      ])

      expectRefusal(error, 2, /"bad\/topic!"/, /--topics kbench-orders/)
      expect(await admin.listTopics()).to.not.include('bad/topic!')
    })

    it('refuses a malformed duration with exit 2, naming --timeout', async () => {
      const topic = uniqueName('bad-reset')
      const { error } = await runCommand([
        'kafka:reset',
        '--brokers',
        brokers(),
        '--topics',
        topic,
        '--timeout',
        '10parsecs',
      ])

      expectRefusal(error, 2, /--timeout/, /"10parsecs"/, /--timeout 10s/)
      expect(await admin.listTopics()).to.not.include(topic)
    })

    it('refuses negative partitions with exit 2, naming --partitions', async () => {
      const topic = uniqueName('bad-reset')
      const { error } = await runCommand([
        'kafka:reset',
        '--brokers',
        brokers(),
        '--topics',
        topic,
        '--partitions',
        '-3',
      ])

      expectRefusal(error, 2, /--partitions must be 1 or more, found -3/)
      expect(await admin.listTopics()).to.not.include(topic)
    })
  })

  describe('configuration files', () => {
    const commands: Array<[string, string[]]> = [
      ['kafka:reset', ['kafka:reset', '--topics', 'kbench-never']],
      ['validate', ['validate', '--no-journal']],
      ['bench:baseline', ['bench:baseline', '--no-journal']],
      ['bench:async', ['bench:async', '--no-journal']],
      ['bench:process', ['bench:process', '--no-journal']],
      ['bench:run', ['bench:run', 'async', '--no-journal']],
      ['bench:all', ['bench:all', '--no-journal']],
    ]

    for (const [name, argv] of commands) {
      it(`${name} refuses malformed JSON with exit 3, giving the line and column`, async () => {
        const config = await files.write('malformed.json', '{\n  "kafka": { "brokers": [,] }\n}\n')

        const { error } = await runCommand([...argv, '--config', config])

        expectRefusal(error, 3, /malformed\.json/, /line 2/, /column \d+/)
      })

      it(`${name} refuses a schema-invalid file with exit 3, naming the field`, async () => {
        const config = await files.write(
          'invalid.json',
          JSON.stringify({ reset: { retries: -1 }, topics: { 'kbench-x': { partitions: 0 } } }),
        )

        const { error } = await runCommand([...argv, '--config', config])

        expectRefusal(error, 3, /invalid\.json/, /reset\.retries/, /topics\.kbench-x\.partitions/)
      })

      it(`${name} refuses a --config that does not exist with exit 3`, async () => {
        const { error } = await runCommand([...argv, '--config', `${files.dir}/absent.json`])

        expectRefusal(error, 3, /absent\.json/)
      })
    }

    it('refuses an invalid workload section with exit 3 before the reset creates the topic', async () => {
      const topic = uniqueName('bad-workload')
      const config = await files.write(
        'workload.json',
        JSON.stringify({ workload: { messages: -10, work: 'teleport:1' } }),
      )

      const { error } = await runCommand([
        'bench:async',
        '--brokers',
        testBrokers().join(','),
        '--config',
        config,
        '--topic',
        topic,
        '--output-dir',
        suiteResultsDir(),
        '--no-journal',
      ])

      expectRefusal(error, 3, /workload\.json/, /workload\.messages/, /workload\.work/)
      expect(await admin.listTopics()).to.not.include(topic)
    })
  })

  describe('validate', () => {
    it('refuses an unknown gate in --only with exit 2, listing the known gates', async () => {
      const config = await files.write(
        'gates.json',
        JSON.stringify({ validate: { steps: [{ name: 'lint', command: 'true' }] } }),
      )

      const { error } = await runCommand(['validate', '--config', config, '--only', 'nope'])

      expectRefusal(error, 2, /"nope"/, /Known gates: lint/)
    })

    it('refuses two gates of the same name with exit 3', async () => {
      const config = await files.write(
        'twins.json',
        JSON.stringify({
          validate: {
            steps: [
              { name: 'lint', command: 'true' },
              { name: 'lint', command: 'true' },
            ],
          },
        }),
      )

      const { error } = await runCommand(['validate', '--config', config, '--no-journal'])

      expectRefusal(error, 3, /"lint"/, /its own name/)
    })
  })
})
