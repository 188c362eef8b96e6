import { Flags } from '@oclif/core'

import { KbenchCommand } from './base-command.js'
import { DEFAULT_GROUP, DEFAULT_PARTITIONS, DEFAULT_TOPIC } from './bench-target.js'
import { workloadFlags } from './workload-flags.js'

/**
 * The base of every `bench:*` command: where the run happens (topic, group, partitions),
 * whether the prerun hook resets them first, the workload, and where results go.
 */
export abstract class BenchCommand extends KbenchCommand {
  /** True for commands that reset before each mode themselves; the prerun hook skips them. */
  static resetsItself = false

  static override enableJsonFlag = true

  static override baseFlags = {
    ...KbenchCommand.baseFlags,
    topic: Flags.string({
      summary: `Topic to produce to and consume from [default: ${DEFAULT_TOPIC}].`,
      helpGroup: 'TARGET',
    }),
    group: Flags.string({
      summary: `Consumer group of the run [default: ${DEFAULT_GROUP}].`,
      helpGroup: 'TARGET',
    }),
    partitions: Flags.integer({
      summary: `Partitions of the topic, created by the reset [default: ${DEFAULT_PARTITIONS}].`,
      min: 1,
      helpGroup: 'TARGET',
    }),
    'skip-reset': Flags.boolean({
      summary: 'Do not delete and recreate the topic and group before the run.',
      description:
        'Without a reset, messages left on the topic and offsets committed by earlier runs make the counts meaningless; use it only on a topic you prepared yourself.',
      default: false,
      helpGroup: 'TARGET',
    }),
    'output-dir': Flags.string({
      summary:
        'Parent folder of the run folder that holds the results [default: benchmarks/results].',
      helpGroup: 'OUTPUT',
    }),
    'metrics-port': Flags.integer({
      summary: 'Serve live Prometheus metrics on 127.0.0.1 at this port during the run; 0 is off.',
      description:
        'Scrape http://127.0.0.1:<port>/metrics while the run lasts: messages processed, latency histograms, in-flight, buffered, lag, paused partitions and worker restarts, each labelled with the mode, plus Node.js process metrics. A port that is already taken stops the command with exit code 2.',
      default: 0,
      min: 0,
      max: 65_535,
      helpGroup: 'OUTPUT',
    }),
    repeat: Flags.integer({
      summary: 'Run each mode this many times, each run after its own reset.',
      description:
        'With more than one run, each run is written to <mode>-run<k>.json and <mode>.aggregate.json holds the median, min, max and spread ((max - min) / median) of throughput and of every latency percentile.',
      default: 1,
      min: 1,
      helpGroup: 'OUTPUT',
    }),
    ...workloadFlags,
  }
}
