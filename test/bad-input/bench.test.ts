import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import type { Admin } from 'kafkajs'

import { testBrokers, testKafka, uniqueName } from '../helpers/kafka.js'
import { suiteResultsDir } from '../helpers/results.js'
import { childPids, expectRefusal, scratch } from './expectations.js'

/** How each bench command is invoked; bench:run and bench:all take a mode first or a flag. */
const BENCH_COMMANDS: Record<string, string[]> = {
  'bench:baseline': ['bench:baseline'],
  'bench:async': ['bench:async'],
  'bench:process': ['bench:process'],
  'bench:run': ['bench:run', 'async'],
  'bench:all': ['bench:all'],
}

describe('bench commands refuse bad input before touching the cluster', function () {
  this.timeout(60_000)

  let admin: Admin
  let files: Awaited<ReturnType<typeof scratch>>
  let childrenBefore: number[]

  before(async () => {
    admin = testKafka().admin()
    await admin.connect()
    files = await scratch('bad-bench')
  })

  beforeEach(() => {
    childrenBefore = childPids()
  })

  afterEach(() => {
    expect(childPids(), 'processes left behind').to.deep.equal(childrenBefore)
  })

  after(async () => {
    await admin.disconnect()
    await files.remove()
  })

  /** Runs a bench command on a fresh topic and returns its failure and whether the topic exists. */
  async function attempt(command: string, ...extra: string[]) {
    const topic = uniqueName('bad-input')
    const { error } = await runCommand([
      ...(BENCH_COMMANDS[command] as string[]),
      '--brokers',
      testBrokers().join(','),
      '--topic',
      topic,
      '--group',
      uniqueName('bad-input-group'),
      '--output-dir',
      suiteResultsDir(),
      '--no-journal',
      ...extra,
    ])
    const created = (await admin.listTopics()).includes(topic)

    return { error, created }
  }

  for (const command of Object.keys(BENCH_COMMANDS)) {
    describe(command, () => {
      it('refuses a negative message count with exit 2, naming --messages', async () => {
        const { error, created } = await attempt(command, '--messages', '-5')

        expectRefusal(error, 2, /--messages/, /greater than or equal to 1/)
        expect(created).to.equal(false)
      })

      it('refuses zero partitions with exit 2, naming --partitions', async () => {
        const { error, created } = await attempt(command, '--partitions', '0')

        expectRefusal(error, 2, /--partitions/, /greater than or equal to 1/)
        expect(created).to.equal(false)
      })

      it('refuses a malformed duration with exit 2, naming --timeout and the syntax', async () => {
        const { error, created } = await attempt(command, '--timeout', '10parsecs')

        expectRefusal(error, 2, /--timeout/, /10parsecs/, /such as|e\.g\.|for example/i)
        expect(created).to.equal(false)
      })

      it('refuses an unknown kind of work with exit 2, naming --work and the kinds', async () => {
        const { error, created } = await attempt(command, '--work', 'teleport:5')

        expectRefusal(error, 2, /teleport:5/, /noop, sleep:<ms>, cpu:<ms> or module:<path>/)
        expect(created).to.equal(false)
      })

      it('refuses an invalid topic name with exit 2 and creates nothing', async () => {
        const { error } = await runCommand([
          ...(BENCH_COMMANDS[command] as string[]),
          '--brokers',
          testBrokers().join(','),
          '--topic',
          'bad/topic!',
          '--no-journal',
        ])

        expectRefusal(error, 2, /"bad\/topic!"/, /--topic kbench-orders/)
        expect(await admin.listTopics()).to.not.include('bad/topic!')
      })

      it('refuses a handler module that does not exist with exit 2 and creates no topic', async () => {
        const missing = `${files.dir}/no-such-handler.mjs`
        const { error, created } = await attempt(command, '--work', `module:${missing}`)

        expectRefusal(error, 2, /no-such-handler\.mjs does not exist/, /--work module:<path>/)
        expect(created, 'topic created before the handler was found missing').to.equal(false)
      })

      it('refuses a handler module that fails to load with exit 2 and creates no topic', async () => {
        const broken = await files.write(
          `broken-${command.replace(':', '-')}.mjs`,
          'export default function (message {\n',
        )
        const { error, created } = await attempt(command, '--work', `module:${broken}`)

        expectRefusal(error, 2, /broken-\S+\.mjs failed to load/, /SyntaxError|Unexpected/)
        expect(created, 'topic created before the handler failed to load').to.equal(false)
      })
    })
  }

  it('bench:async refuses an unknown ordering with exit 2, listing the orderings', async () => {
    const { error, created } = await attempt('bench:async', '--ordering', 'sideways')

    expectRefusal(error, 2, /--ordering/, /sideways/, /key, partition, unordered/)
    expect(created).to.equal(false)
  })

  it('bench:process refuses zero workers with exit 2, naming --workers', async () => {
    const { error, created } = await attempt('bench:process', '--workers', '0')

    expectRefusal(error, 2, /setting workers/, /--workers with a whole number from 1/)
    expect(created).to.equal(false)
  })

  it('bench:run refuses an unknown mode with exit 2, listing the installed modes', async () => {
    const { error } = await runCommand(['bench:run', 'teleport', '--no-journal'])

    expectRefusal(error, 2, /"teleport"/, /baseline, async, process/)
  })

  it('bench:all refuses an unknown mode in --modes with exit 2, listing the installed modes', async () => {
    const { error, created } = await attempt('bench:all', '--modes', 'baseline,teleport')

    expectRefusal(error, 2, /teleport/, /baseline, async, process/)
    expect(created).to.equal(false)
  })

  it('fails a run whose handler throws on every message with exit 7, naming the message', async () => {
    const throwing = await files.write(
      'always-throws.mjs',
      "export default () => { throw new Error('the handler is broken') }\n",
    )
    const { error, created } = await attempt(
      'bench:async',
      '--work',
      `module:${throwing}`,
      '--messages',
      '50',
      '--max-retries',
      '1',
      '--timeout',
      '30s',
    )

    expectRefusal(error, 7, /the handler is broken/, /partition \d+ offset \d+/)
    expect(created, 'the run itself uses the topic').to.equal(true)
  })
})
