import createDebug from 'debug'

/** What library code logs through. Commands decide where the lines go; libraries never print. */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  debug(message: string): void
}

/** A logger that drops everything, for library callers that want silence. */
export const silentLogger: Logger = {
  info() {},
  warn() {},
  debug() {},
}

/** Developer tracing under the `kbench:<layer>` namespaces; enable with DEBUG=kbench:*. */
export function trace(layer: string): createDebug.Debugger {
  return createDebug(`kbench:${layer}`)
}

/** A logger that writes human-readable lines to a stream (stderr by default). */
export function streamLogger(
  stream: NodeJS.WritableStream = process.stderr,
  options: { verbose?: boolean } = {},
): Logger {
  return {
    info: (message) => stream.write(`${message}\n`),
    warn: (message) => stream.write(`warning: ${message}\n`),
    debug: (message) => {
      if (options.verbose) stream.write(`${message}\n`)
    },
  }
}
