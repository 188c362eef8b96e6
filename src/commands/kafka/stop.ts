import { Flags } from '@oclif/core'

import { KbenchCommand } from '../../cli/base-command.js'
import { stopLocalCluster } from '../../kafka/local/cluster.js'
import { clearClusterState, readClusterState } from '../../kafka/local/state.js'

export default class KafkaStop extends KbenchCommand {
  static override summary =
    'Stop the local Kafka cluster started by kafka:start and delete its data.'

  static override description = `Sends SIGTERM to every broker, then SIGKILL to any still running after the grace period, waits until their ports are free and removes the data directory.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --grace 5s --keep-data',
  ]

  static override enableJsonFlag = true

  static override flags = {
    grace: Flags.integer({
      summary: 'Seconds to wait after SIGTERM before SIGKILL.',
      default: 15,
      min: 0,
    }),
    'keep-data': Flags.boolean({
      summary: 'Keep the data directory and broker logs.',
      default: false,
    }),
  }

  async run(): Promise<{ stopped: boolean; bootstrap?: string; killed?: number[] }> {
    const { flags } = await this.parse(KafkaStop)

    const state = await readClusterState()
    if (!state) {
      this.logger.info('No local Kafka cluster is recorded: nothing to stop')
      return { stopped: false }
    }

    const { killed } = await stopLocalCluster(state, {
      graceMs: flags.grace * 1000,
      keepData: flags['keep-data'],
    })
    await clearClusterState()

    if (killed.length > 0)
      this.logger.warn(`Killed pids ${killed.join(', ')} after the grace period`)
    this.logger.info(`Stopped the local Kafka cluster at ${state.bootstrap}`)

    return { stopped: true, bootstrap: state.bootstrap, killed }
  }
}
