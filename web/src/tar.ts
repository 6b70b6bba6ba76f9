// A minimal ustar writer: enough to wrap the files of a template (a single .tf chosen in
// the browser, say) into the tar archive that POST /api/v2/files takes, as
// `coder templates push` sends it. Regular files only, mode 0644, owner 0.

export interface TarEntry {
  /** A relative path with `/` separators, at most 255 bytes (ustar splits it at 100). */
  name: string
  data: Uint8Array
  /** Modification time; the epoch when absent, so the same files give the same bytes. */
  mtime?: Date
}

const BLOCK = 512
const encoder = new TextEncoder()

function writeString(header: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value)
  if (bytes.length > length) throw new Error(`tar: "${value}" does not fit in ${length} bytes`)
  header.set(bytes, offset)
}

/** An octal number, zero-padded to `length - 1` digits and NUL-terminated, as ustar stores them. */
function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  const digits = Math.floor(value).toString(8)
  if (digits.length > length - 1) throw new Error(`tar: ${value} does not fit in a ${length}-byte field`)
  writeString(header, offset, length, digits.padStart(length - 1, '0'))
}

/** Splits a path into ustar's prefix (155 bytes) and name (100 bytes), at a `/`. */
export function splitName(name: string): { prefix: string; name: string } {
  const size = encoder.encode(name).length
  if (size <= 100) return { prefix: '', name }
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i)
    const rest = name.slice(i + 1)
    if (encoder.encode(prefix).length <= 155 && encoder.encode(rest).length <= 100 && rest !== '') return { prefix, name: rest }
  }
  throw new Error(`tar: the path "${name}" is too long (at most 100 bytes per name, 255 in all)`)
}

function header(entry: TarEntry): Uint8Array {
  const h = new Uint8Array(BLOCK)
  const { prefix, name } = splitName(entry.name)
  writeString(h, 0, 100, name)
  writeOctal(h, 100, 8, 0o644)
  writeOctal(h, 108, 8, 0)
  writeOctal(h, 116, 8, 0)
  writeOctal(h, 124, 12, entry.data.length)
  writeOctal(h, 136, 12, Math.floor((entry.mtime?.getTime() ?? 0) / 1000))
  h.fill(0x20, 148, 156) // the checksum counts its own field as spaces
  h[156] = 0x30 // '0': a regular file
  writeString(h, 257, 6, 'ustar')
  writeString(h, 263, 2, '00')
  writeString(h, 345, 155, prefix)
  let sum = 0
  for (const byte of h) sum += byte
  writeString(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `)
  return h
}

/** The tar archive of `entries`: a header and the padded data per file, then two zero blocks. */
export function tar(entries: readonly TarEntry[]): Uint8Array {
  let size = 2 * BLOCK
  for (const entry of entries) size += BLOCK + Math.ceil(entry.data.length / BLOCK) * BLOCK
  const out = new Uint8Array(size)
  let offset = 0
  for (const entry of entries) {
    if (entry.name === '' || entry.name.startsWith('/') || entry.name.split('/').includes('..')) {
      throw new Error(`tar: "${entry.name}" is not a relative path`)
    }
    out.set(header(entry), offset)
    offset += BLOCK
    out.set(entry.data, offset)
    offset += Math.ceil(entry.data.length / BLOCK) * BLOCK
  }
  return out
}
