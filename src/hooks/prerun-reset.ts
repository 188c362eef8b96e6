import { Errors, Flags, type Hook, Parser } from '@oclif/core'

import { benchTargetReset } from '../cli/bench-reset.js'
import { resolveBenchTarget } from '../cli/bench-target.js'
import { connectCluster } from '../cli/connect.js'
import { loadConfig } from '../config/load.js'
import { ExitCode, describeError, isKbenchError } from '../errors.js'
import { streamLogger } from '../logging.js'
import { resolveModeSettings } from '../modes/flags.js'
import { discoverModes } from '../modes/registry.js'
import { checkWorkSpec } from '../workload/work.js'
import { resolveWorkload, type WorkloadFlagValues } from '../cli/workload-flags.js'

type BenchFlags = WorkloadFlagValues & {
  brokers?: string
  config?: string
  topic?: string
  group?: string
  partitions?: number
  'skip-reset'?: boolean
}

/**
 * Before every `bench:*` command, resets the topic and consumer group that command will use,
 * so each run starts from empty partitions and no committed offsets. Skipped with
 * --skip-reset, and for commands that reset before each of their runs themselves
 * (`static resetsItself = true`). A failed reset stops the command with the reset's exit code.
 */
const prerunReset: Hook.Prerun = async function (options) {
  const { Command, argv } = options
  if (!Command.id?.startsWith('bench:')) return
  if ((Command as { resetsItself?: boolean }).resetsItself === true) return

  const logger = streamLogger(process.stderr, { verbose: argv.includes('--verbose') })

  let flags: BenchFlags
  try {
    const parsed = await Parser.parse(argv, {
      // --json is added by oclif at run time, so it is not among the declared flags.
      flags: { ...Command.baseFlags, ...Command.flags, json: Flags.boolean() },
      args: Command.args,
      strict: false,
    })
    flags = parsed.flags as BenchFlags
  } catch {
    // The command parses its own flags next and reports the mistake with its usage.
    return
  }

  try {
    const loaded = await loadConfig({ explicitPath: flags.config })
    const target = resolveBenchTarget(flags, loaded.config)

    // A workload the command would refuse must not leave a freshly created topic behind.
    const workload = resolveWorkload(flags, loaded.config, target.partitions, loaded.filepath)
    await checkWorkSpec(workload.work)
    const modeName = Command.id.slice('bench:'.length)
    const registered = (
      await discoverModes(this.config as Parameters<typeof discoverModes>[0])
    ).modes.get(modeName)
    if (registered) {
      const { mode } = registered
      resolveModeSettings(
        modeName,
        mode.flags,
        flags as Record<string, unknown>,
        loaded.config.modes[modeName],
      )
    }

    if (flags['skip-reset']) {
      logger.info(
        `Reset skipped (--skip-reset): topic ${target.topic} and group ${target.groupId} are used as they are`,
      )
      return
    }

    const cluster = await connectCluster(flags, loaded, logger, { allowTemporary: true })

    try {
      await benchTargetReset(cluster, loaded, logger)(target)
    } catch (error) {
      // The command will not run, so it will not stop a temporary broker either.
      await cluster.release()
      throw error
    }
  } catch (error) {
    // Only errors that carry an oclif exit code stop the command; oclif swallows the others.
    if (isKbenchError(error)) {
      Errors.error(error.message, {
        exit: error.exitCode,
        code: error.code,
        suggestions: error.suggestions,
      })
    }

    this.error(`The reset before ${Command.id} failed: ${describeError(error)}`, {
      exit: ExitCode.Reset,
    })
  }
}

export default prerunReset
