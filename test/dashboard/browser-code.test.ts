// The dashboard's pure modules, run in Node: the tar writer (checked by tar-stream and by
// the server's own import), the form's checks (the same rules as the server's) and the
// import error's file and line.
import { Readable } from 'node:stream'
import { extract } from 'tar-stream'
import t from 'tap'
import { importErrorLocation, nameFromFile, nameProblem, parameterProblem, type ParameterSpec } from '../../web/src/params.js'
import { splitName, tar } from '../../web/src/tar.js'
import { buildTestApp } from '../helpers/app.js'
import { auth, createOwner } from '../helpers/fixtures.js'
import { EXAMPLE_TEMPLATE_DIR } from '../helpers/templates.js'
import { readFile } from 'node:fs/promises'
import path from 'node:path'

async function entriesOf(archive: Uint8Array): Promise<Array<{ name: string; mode: number | undefined; body: string; mtime: Date | undefined }>> {
  const out: Array<{ name: string; mode: number | undefined; body: string; mtime: Date | undefined }> = []
  const reader = extract()
  const done = new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = []
      stream.on('data', (c: unknown) => void chunks.push(c as Buffer))
      stream.on('end', () => {
        out.push({ name: header.name, mode: header.mode, body: Buffer.concat(chunks).toString(), mtime: header.mtime })
        next()
      })
    })
    reader.on('finish', resolve)
    reader.on('error', reject)
  })
  Readable.from([Buffer.from(archive)]).pipe(reader)
  await done
  return out
}

const enc = new TextEncoder()

t.test('tar: what tar-stream reads back', async (t) => {
  const long = `${'dir/'.repeat(30)}main.tf`
  const archive = tar([
    { name: 'main.tf', data: enc.encode('resource "x" "y" {}\n'), mtime: new Date('2026-01-02T03:04:05Z') },
    { name: 'empty.tf', data: new Uint8Array(0) },
    { name: 'exact.tf', data: enc.encode('a'.repeat(512)) },
    { name: long, data: enc.encode('ünïcödé\n') },
  ])
  t.equal(archive.length % 512, 0, 'whole blocks')
  t.same([...archive.slice(-1024)].every((b) => b === 0), true, 'ends with two zero blocks')
  const entries = await entriesOf(archive)
  t.same(
    entries.map((e) => [e.name, e.body]),
    [
      ['main.tf', 'resource "x" "y" {}\n'],
      ['empty.tf', ''],
      ['exact.tf', 'a'.repeat(512)],
      [long, 'ünïcödé\n'],
    ],
  )
  t.equal(entries[0]!.mode, 0o644)
  t.same(entries[0]!.mtime, new Date('2026-01-02T03:04:05Z'))
  t.same(tar([{ name: 'a.tf', data: enc.encode('x') }]), tar([{ name: 'a.tf', data: enc.encode('x') }]), 'the same files give the same bytes')
})

t.test('tar: names it cannot store are refused', async (t) => {
  t.same(splitName('a/b.tf'), { prefix: '', name: 'a/b.tf' })
  t.throws(() => tar([{ name: 'x'.repeat(101), data: new Uint8Array(0) }]), /too long/)
  t.throws(() => tar([{ name: '../escape.tf', data: new Uint8Array(0) }]), /not a relative path/)
  t.throws(() => tar([{ name: '/abs.tf', data: new Uint8Array(0) }]), /not a relative path/)
})

t.test('tar: the server imports what the browser builds', async (t) => {
  const { app } = await buildTestApp(t)
  const owner = await createOwner(app)
  const source = await readFile(path.join(EXAMPLE_TEMPLATE_DIR, 'main.tf'))
  const upload = await app.inject({
    method: 'POST',
    url: '/api/v2/files',
    headers: { ...auth(owner.token), 'content-type': 'application/x-tar' },
    payload: Buffer.from(tar([{ name: 'main.tf', data: source }])),
  })
  t.equal(upload.statusCode, 201)
  const version = await app.inject({
    method: 'POST',
    url: '/api/v2/organizations/default/templateversions',
    headers: auth(owner.token),
    payload: { storage_method: 'file', file_id: upload.json().hash, provisioner: 'terraform' },
  })
  t.equal(version.json().job.status, 'succeeded')
  t.equal(version.json().has_external_agent, true)
})

const param = (fields: Partial<ParameterSpec>): ParameterSpec => ({ name: 'p', type: 'string', required: false, default_value: '', options: [], ...fields })

t.test('parameter checks before submit', async (t) => {
  const cases: Array<[Partial<ParameterSpec>, string, string | undefined]> = [
    [{ type: 'number' }, '12', undefined],
    [{ type: 'number' }, '1.5e3', undefined],
    [{ type: 'number' }, 'twelve', 'Must be a number, not "twelve".'],
    [{ type: 'number', required: true }, '', 'A value is required.'],
    [{ type: 'number' }, '', undefined],
    [{ type: 'number', validation_min: 2, validation_max: 4 }, '5', 'Must be at most 4.'],
    [{ type: 'number', validation_min: 2, validation_max: 4 }, '1', 'Must be at least 2.'],
    [{ type: 'number', validation_min: 2, validation_error: 'Too few CPUs.' }, '1', 'Too few CPUs.'],
    [{ type: 'bool' }, 'true', undefined],
    [{ type: 'bool' }, 'yes', 'Must be true or false.'],
    [{ type: 'list(string)' }, '["a","b"]', undefined],
    [{ type: 'list(string)' }, '["a",1]', 'Must be a list of strings.'],
    [{ type: 'list(string)', options: [{ name: 'A', value: 'a' }] }, '["a","z"]', '"z" is not one of the options.'],
    [{ options: [{ name: 'Linux (arm64)', value: 'linux-arm64' }] }, 'linux-arm64', undefined],
    [{ options: [{ name: 'Linux (arm64)', value: 'linux-arm64' }] }, 'plan9-mips', '"plan9-mips" is not one of the options.'],
    [{ validation_regex: '^[a-z]+$' }, 'abc', undefined],
    [{ validation_regex: '^[a-z]+$' }, 'ABC', 'Must match ^[a-z]+$.'],
    [{ validation_regex: '(?i)^[a-z]+$' }, 'ABC', undefined],
    [{ required: true }, '', 'A value is required.'],
  ]
  for (const [fields, value, expected] of cases) {
    t.equal(parameterProblem(param(fields), value), expected, `${JSON.stringify(fields)} with ${JSON.stringify(value)}`)
  }
})

t.test('names', async (t) => {
  t.equal(nameProblem('arm-box'), undefined)
  t.equal(nameProblem(''), 'A name is required.')
  t.equal(nameProblem('Not a name!'), 'Letters, digits and single hyphens only, not at the start or end.')
  t.equal(nameProblem('-x'), 'Letters, digits and single hyphens only, not at the start or end.')
  t.equal(nameProblem('a'.repeat(33)), 'At most 32 characters.')
  t.equal(nameProblem('new'), '"new" is reserved.')
  t.equal(nameFromFile('My Template.tf'), 'my-template')
  t.equal(nameFromFile('external_vm.tar'), 'external-vm')
  t.equal(nameFromFile(`${'x'.repeat(40)}.zip`), 'x'.repeat(32))
})

t.test('an import error names its file and line', async (t) => {
  t.same(importErrorLocation('b.tf:3: syntax error at column 12: Invalid expression'), {
    file: 'b.tf',
    line: 3,
    message: 'syntax error at column 12: Invalid expression',
  })
  t.same(importErrorLocation('modules/net/main.tf:7: coder_agent.main: os: unknown'), {
    file: 'modules/net/main.tf',
    line: 7,
    message: 'coder_agent.main: os: unknown',
  })
  t.equal(importErrorLocation('the template has no Terraform files (*.tf)'), undefined)
  t.equal(importErrorLocation('not a valid tar archive: Unexpected end of data'), undefined)
})
