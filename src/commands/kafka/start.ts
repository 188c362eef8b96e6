import { Flags } from '@oclif/core'

import { KbenchCommand } from '../../cli/base-command.js'
import { ExitCode, KbenchError } from '../../errors.js'
import {
  MAX_BROKERS,
  MIN_BROKERS,
  type LocalClusterState,
  probeLocalCluster,
  startLocalCluster,
  validateBrokersCount,
} from '../../kafka/local/cluster.js'
import { DEFAULT_KAFKA_VERSION } from '../../kafka/local/distribution.js'
import { readClusterState, writeClusterState } from '../../kafka/local/state.js'

export default class KafkaStart extends KbenchCommand {
  static override summary = 'Start a local Apache Kafka cluster (KRaft) on 127.0.0.1.'

  static override description = `Fetches Apache Kafka from Maven Central on first use (needs Java 17+ and Maven), or uses the installation in KAFKA_HOME, formats fresh KRaft storage, and starts the brokers on free ports in the background. Every node is both a broker and a controller. The cluster keeps running after this command returns; other kbench commands use it automatically, and kafka:stop ends it.`

  static override examples = [
    {
      description: 'Start one broker and print its bootstrap address',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Start a three-broker cluster for replication and fault tests',
      command: '<%= config.bin %> <%= command.id %> --brokers-count 3',
    },
    {
      description: 'Use an unpacked Kafka release instead of fetching one',
      command: 'KAFKA_HOME=/opt/kafka <%= config.bin %> <%= command.id %>',
    },
  ]

  static override enableJsonFlag = true

  static override flags = {
    'brokers-count': Flags.integer({
      summary: `Number of brokers, ${MIN_BROKERS} to ${MAX_BROKERS}; each is also a KRaft voter.`,
      default: 1,
    }),
    'kafka-version': Flags.string({
      summary: 'Apache Kafka release to fetch from Maven Central.',
      default: DEFAULT_KAFKA_VERSION,
    }),
    heap: Flags.string({ summary: 'JVM heap of each broker.', default: '512m' }),
    'cache-dir': Flags.string({
      summary: 'Folder for fetched Kafka releases.',
      description: 'Defaults to $KBENCH_CACHE_DIR, else ~/.cache/kbench.',
    }),
    'kafka-home': Flags.string({
      summary:
        'An unpacked Kafka installation to run instead of fetching one (default: $KAFKA_HOME).',
    }),
  }

  async run(): Promise<LocalClusterState> {
    const { flags } = await this.parse(KafkaStart)
    validateBrokersCount(flags['brokers-count'])
    if (!/^\d+[kmg]$/i.test(flags.heap)) {
      throw new KbenchError(
        'INVALID_HEAP',
        `--heap "${flags.heap}" is not a JVM heap size: Java would refuse to start the brokers.`,
        {
          exitCode: ExitCode.Usage,
          suggestions: ['Give a number with a unit k, m or g, such as --heap 512m or --heap 1g.'],
        },
      )
    }

    const running = await readClusterState()
    if (running && (await probeLocalCluster(running)).some((node) => node.running)) {
      throw new KbenchError(
        'LOCAL_CLUSTER_RUNNING',
        `A local Kafka cluster started by kbench already runs at ${running.bootstrap}.`,
        {
          exitCode: ExitCode.Environment,
          suggestions: ['Use it as it is, or run `kbench kafka:stop` first to start a fresh one.'],
        },
      )
    }

    const started = Date.now()
    const state = await startLocalCluster({
      brokersCount: flags['brokers-count'],
      version: flags['kafka-version'],
      heap: flags.heap,
      cacheDir: flags['cache-dir'],
      kafkaHome: flags['kafka-home'],
      logger: this.logger,
    })
    const file = await writeClusterState(state)

    this.logger.info(
      `Kafka ${state.kafkaVersion} started in ${((Date.now() - started) / 1000).toFixed(1)} s with ${state.nodes.length} broker(s); state in ${file}`,
    )
    this.log(state.bootstrap)

    return state
  }
}
