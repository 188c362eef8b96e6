import { Command, Errors, Flags, type Interfaces } from '@oclif/core'

import { type LoadedConfig, loadConfig } from '../config/load.js'
import { ExitCode, isKbenchError } from '../errors.js'
import { type ClusterConnection, connectCluster } from './connect.js'
import { type Logger, streamLogger } from '../logging.js'

export type { ClusterConnection }

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof KbenchCommand)['baseFlags'] & T['flags']
>

/**
 * What every kbench command shares: the connection and configuration flags, a logger that
 * writes progress to stderr, and the rendering of expected failures as one paragraph with
 * a stable exit code instead of a stack trace.
 */
export abstract class KbenchCommand extends Command {
  static override baseFlags = {
    brokers: Flags.string({
      summary:
        'Comma-separated bootstrap brokers (host:port). Overrides KBENCH_BROKERS and the config file.',
      helpGroup: 'CONNECTION',
    }),
    config: Flags.string({
      summary: 'Path of the configuration file; replaces the search for .benchrc and friends.',
      helpGroup: 'CONNECTION',
    }),
    verbose: Flags.boolean({
      summary: 'Print debug lines on stderr.',
      default: false,
      helpGroup: 'OUTPUT',
    }),
  }

  #logger: Logger | undefined

  /** Progress and log lines; stderr, so that stdout stays clean for results and --json. */
  protected get logger(): Logger {
    this.#logger ??= streamLogger(process.stderr, { verbose: this.argv.includes('--verbose') })
    return this.#logger
  }

  /** The configuration file named by --config, or the one found by searching. */
  protected async loadSettings(flags: { config?: string }): Promise<LoadedConfig> {
    const loaded = await loadConfig({ explicitPath: flags.config })
    if (loaded.filepath) this.logger.debug(`Configuration: ${loaded.filepath}`)

    return loaded
  }

  /** The cluster this command talks to; see connectCluster. */
  protected async connectCluster(
    flags: { brokers?: string },
    loaded: LoadedConfig,
    options: { allowTemporary?: boolean } = {},
  ): Promise<ClusterConnection> {
    return connectCluster(flags, loaded, this.logger, options)
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (isKbenchError(error)) {
      this.debug('%s caused by %O', error.code, error.cause)
      this.error(error.message, {
        code: error.code,
        exit: error.exitCode,
        suggestions: error.suggestions,
      })
    }

    // oclif's parser errors (unknown flags, bad option values) are usage errors.
    if (/Parse|Flag|Arg|Validation/.test(error.constructor.name)) {
      error.exitCode ??= ExitCode.Usage
    }

    if (error instanceof Errors.CLIError || error.name === 'ExitError') throw error

    return super.catch(error)
  }
}
