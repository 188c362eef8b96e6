/**
 * The escaping rules of one journal table row. A backslash escapes the character after it, so
 * that a cell may hold `|` (the column separator), `,` and `=` (the separators of the figures
 * cell) and line breaks (written as `\n`) without breaking the row. Markdown renders `\|`, `\,`
 * and `\=` as the bare characters, so the file still reads well on GitHub.
 */

const LINE_BREAK = /\r\n|\r|\n/g

/** Escapes a cell's text; `extra` lists further characters to escape, such as `,=`. */
export function escapeCell(text: string, extra = ''): string {
  let escaped = ''

  for (const character of text.replace(LINE_BREAK, '\n')) {
    if (character === '\n') escaped += '\\n'
    else if (character === '\\' || character === '|' || extra.includes(character))
      escaped += `\\${character}`
    else escaped += character
  }

  return escaped
}

/** Reverses escapeCell: `\n` becomes a line break and `\x` becomes `x`. */
export function unescapeCell(raw: string): string {
  let text = ''

  for (let index = 0; index < raw.length; index++) {
    const character = raw[index]
    if (character !== '\\' || index === raw.length - 1) {
      text += character
      continue
    }

    index++
    text += raw[index] === 'n' ? '\n' : raw[index]
  }

  return text
}

/** Splits raw (still escaped) text on every `separator` that no backslash escapes. */
export function splitUnescaped(raw: string, separator: string): string[] {
  const pieces: string[] = []
  let current = ''

  for (let index = 0; index < raw.length; index++) {
    const character = raw[index] ?? ''

    if (character === '\\' && index < raw.length - 1) {
      current += character + raw[index + 1]
      index++
    } else if (character === separator) {
      pieces.push(current)
      current = ''
    } else {
      current += character
    }
  }

  pieces.push(current)
  return pieces
}

/** One table row from raw cells that are already escaped. */
export function formatRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |`
}

/**
 * The raw cells of a table row, or undefined when the line is not a row. The cells are trimmed
 * and still escaped.
 */
export function parseRow(line: string): string[] | undefined {
  const trimmed = line.trim()
  if (!trimmed.startsWith('|') || !trimmed.endsWith('|') || trimmed.length < 2) return undefined

  const inner = trimmed.slice(1, -1)
  const trailingBackslashes = /\\*$/.exec(inner)?.[0].length ?? 0
  if (trailingBackslashes % 2 === 1) return undefined

  return splitUnescaped(inner, '|').map((cell) => cell.trim())
}
