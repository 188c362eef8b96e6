import { runHook } from '@oclif/test'
import { expect } from 'chai'
import type { Admin, Kafka } from 'kafkajs'

import { BenchCommand } from '../../src/cli/bench-command.js'
import { testBrokers, testKafka, uniqueName } from '../helpers/kafka.js'
import {
  commitToEnd,
  committedOffsets,
  messageCount,
  produceBacklog,
} from '../kafka/reset/backlog.js'

/** A bench command that does nothing: the hook only looks at its id and flags. */
class ProbeBench extends BenchCommand {
  static override id = 'bench:probe'

  async run(): Promise<void> {}
}

class SelfResettingBench extends ProbeBench {
  static override id = 'bench:self-resetting'
  static override resetsItself = true
}

class OtherCommand extends ProbeBench {
  static override id = 'kafka:other'
}

describe('the prerun reset hook', function () {
  this.timeout(90_000)

  let kafka: Kafka
  let admin: Admin
  let topic: string
  let group: string

  before(async () => {
    kafka = testKafka()
    admin = kafka.admin()
    await admin.connect()
  })

  after(async () => {
    await admin.disconnect()
  })

  beforeEach(async () => {
    topic = uniqueName('hook')
    group = uniqueName('hook-group')
    await produceBacklog(kafka, topic, 50, 2)
    await commitToEnd(admin, group, topic)
  })

  // The bench command releases the cluster the hook resolved; here no command follows. oclif
  // imports the hook as an ES module, so its broker resolution lives in the ES module graph.
  afterEach(async () => {
    const brokers = await import('../../src/kafka/brokers.js')
    brokers.forgetSharedBrokers()
  })

  function argv(...extra: string[]): string[] {
    return ['--brokers', testBrokers().join(','), '--topic', topic, '--group', group, ...extra]
  }

  it('resets the topic and group of a bench command before it runs', async () => {
    const { error } = await runHook('prerun', {
      Command: ProbeBench,
      argv: argv('--partitions', '3'),
    })

    expect(error).to.equal(undefined)
    expect(await messageCount(admin, topic)).to.equal(0)
    expect(await admin.fetchTopicOffsets(topic)).to.have.length(3)
    expect(await committedOffsets(admin, group)).to.deep.equal([])
  })

  it('leaves the topic alone with --skip-reset and says so on stderr', async () => {
    const { error, stderr } = await runHook('prerun', {
      Command: ProbeBench,
      argv: argv('--skip-reset'),
    })

    expect(error).to.equal(undefined)
    expect(stderr).to.include(`Reset skipped (--skip-reset): topic ${topic}`)
    expect(await messageCount(admin, topic)).to.equal(50)
    expect(await committedOffsets(admin, group)).to.have.length(2)
  })

  it('leaves commands that reset themselves and commands outside bench alone', async () => {
    for (const Command of [SelfResettingBench, OtherCommand]) {
      const { error } = await runHook('prerun', { Command, argv: argv() })
      expect(error).to.equal(undefined)
    }

    expect(await messageCount(admin, topic)).to.equal(50)
  })

  it('stops the command with the reset exit code when the reset fails', async () => {
    const { error } = await runHook('prerun', {
      Command: ProbeBench,
      argv: ['--brokers', '127.0.0.1:1', '--topic', topic, '--group', group],
    })

    expect(error?.message).to.include('127.0.0.1:1')
    expect(error?.oclif?.exit).to.equal(4)
    expect(await messageCount(admin, topic)).to.equal(50)
  })
})
