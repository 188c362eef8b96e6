import { KbenchCommand } from '../../cli/base-command.js'
import { probeLocalCluster } from '../../kafka/local/cluster.js'
import { readClusterState, stateFile } from '../../kafka/local/state.js'

interface StatusReport {
  running: boolean
  bootstrap?: string
  kafkaVersion?: string
  dataDir?: string
  startedAt?: string
  nodes?: Array<{
    nodeId: number
    pid: number
    brokerPort: number
    controllerPort: number
    running: boolean
    listening: boolean
    logFile: string
  }>
}

export default class KafkaStatus extends KbenchCommand {
  static override summary = 'Report the local Kafka cluster started by kafka:start.'

  static override description = `Shows the bootstrap address, each broker's pid, ports and whether it answers, and where its logs are. Exits 0 whether or not a cluster runs; read "running" in --json output.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  static override enableJsonFlag = true

  async run(): Promise<StatusReport> {
    await this.parse(KafkaStatus)

    const state = await readClusterState()
    if (!state) {
      this.log(
        `No local Kafka cluster is recorded (${stateFile()}). Start one with kbench kafka:start.`,
      )
      return { running: false }
    }

    const nodes = await probeLocalCluster(state)
    const running = nodes.some((node) => node.running)
    const report: StatusReport = {
      running,
      bootstrap: state.bootstrap,
      kafkaVersion: state.kafkaVersion,
      dataDir: state.dataDir,
      startedAt: state.startedAt,
      nodes,
    }

    this.log(
      `Kafka ${state.kafkaVersion} at ${state.bootstrap}: ${running ? 'running' : 'not running'}`,
    )
    this.log(`  data directory: ${state.dataDir}`)
    for (const node of nodes) {
      const health = node.running ? (node.listening ? 'up' : 'starting') : 'down'
      this.log(
        `  node ${node.nodeId}: ${health}, pid ${node.pid}, broker port ${node.brokerPort}, controller port ${node.controllerPort}`,
      )
      this.log(`    log: ${node.logFile}`)
    }

    return report
  }
}
