/**
 * @module The JSON Schemas in schemas/: they compile under a strict ajv of their own (as any editor or tool would
 * load them), every field is described, the shipped files validate against them and name them, the engine
 * and the schema reject the same shapes, and the `$schema` key new files start with survives an append.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../src/lib/logger.js';
import { checkInlineConfig } from '../../src/llm/config/config-check.js';
import { supportedProviders } from '../../src/llm/config/config-schema.js';
import { schemaReference } from '../../src/store/disk/schema-reference.js';
import { settingsProblem } from '../../src/store/disk/settings-file.js';
import { createFileStore, type FileStore } from '../../src/store/file/file-store.js';
import type { ConversationDoc } from '../../src/store/tree/document.js';
import { appendMessage, validateDoc } from '../../src/store/tree/index.js';
import { failure } from '../helpers/call-failure.js';
import { branchyTree } from '../helpers/conversation-trees.js';
import { createTempRoot, type TempRoot } from '../helpers/temp-root.js';

const repository = fileURLToPath(new URL('../../', import.meta.url));
const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(repository, path), 'utf8')) as Record<string, unknown>;

const schemaFiles = {
  conversation: 'schemas/conversation.schema.json',
  settings: 'schemas/settings.schema.json',
  llmConfig: 'schemas/llm-config.schema.json',
} as const;

/** A strict ajv that knows nothing of the engine, as an outside tool would load the schemas. */
function outsideValidators(): Record<keyof typeof schemaFiles, ValidateFunction> {
  // `errorMessage` is the message VS Code shows; ajv in strict mode must be told it is a keyword.
  const ajv = new Ajv2020({ strict: true, allErrors: true, keywords: ['errorMessage'] });
  return {
    conversation: ajv.compile(readJson(schemaFiles.conversation)),
    settings: ajv.compile(readJson(schemaFiles.settings)),
    llmConfig: ajv.compile(readJson(schemaFiles.llmConfig)),
  };
}

const outside = outsideValidators();

const shipped = {
  conversations: readdirSync(join(repository, 'examples/conversations')).map((name) => `examples/conversations/${name}/conversation.json`),
  settings: readdirSync(join(repository, 'examples/conversations'))
    .map((name) => `examples/conversations/${name}/settings.json`)
    .filter((path) => existsSync(join(repository, path))),
  configs: readdirSync(join(repository, 'examples/llm_configs')).map((name) => `examples/llm_configs/${name}`),
};

const files = suite('schema files');

files('each is draft 2020-12 with an $id and a title, and compiles under strict ajv', () => {
  const ids = Object.values(schemaFiles).map((path) => {
    const schema = readJson(path);
    assert.is(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema', path);
    assert.type(schema['title'], 'string', path);
    return schema['$id'];
  });
  assert.equal(ids, ['urn:branchflow:schemas:conversation', 'urn:branchflow:schemas:settings', 'urn:branchflow:schemas:llm-config']);
  assert.equal(Object.keys(outside).sort(), ['conversation', 'llmConfig', 'settings']);
});

/** Every subschema under `properties`, `additionalProperties`, `items` and `$defs`, with where it sits. */
function fieldSchemas(schema: Record<string, unknown>, at: string): [string, Record<string, unknown>][] {
  const found: [string, Record<string, unknown>][] = [];
  const visit = (value: unknown, where: string, isField: boolean): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    const node = value as Record<string, unknown>;
    if (isField) found.push([where, node]);
    for (const [key, child] of Object.entries((node['properties'] as object | undefined) ?? {})) visit(child, `${where}/${key}`, true);
    for (const [key, child] of Object.entries((node['$defs'] as object | undefined) ?? {})) visit(child, `${where}/$defs/${key}`, false);
    visit(node['additionalProperties'], `${where}/*`, false);
    visit(node['items'], `${where}/[]`, false);
  };
  visit(schema, at, false);
  return found;
}

files('every field has a description (editors show it on hover); top-level fields a title too', () => {
  const undescribed: string[] = [];
  for (const path of Object.values(schemaFiles)) {
    const schema = readJson(path);
    for (const [where, field] of fieldSchemas(schema, path)) {
      if (typeof field['description'] !== 'string') undescribed.push(where);
    }
    for (const [key, field] of Object.entries(schema['properties'] as Record<string, Record<string, unknown>>)) {
      if (typeof field['title'] !== 'string') undescribed.push(`${path} title of ${key}`);
    }
  }
  assert.equal(undescribed, []);
});

files('a $schema key is allowed at the top of each file, and unknown fields stay allowed', () => {
  assert.ok(
    outside.conversation({
      $schema: 'x',
      roots: [],
      nodes: { n: { pid: null, role: 'user', content: '', x_mine: 1 } },
      active_path: [],
      x: 1,
    }),
  );
  assert.ok(outside.settings({ $schema: 'x', x_other_tool: { a: 1 } }));
  assert.ok(outside.llmConfig({ $schema: 'x', provider: 'mock', x_note: 'kept' }));
});

files('the shipped files validate against the schemas, and the engine reads them', () => {
  assert.ok(shipped.conversations.length > 0 && shipped.settings.length > 0 && shipped.configs.length >= 5);
  for (const path of shipped.conversations) {
    assert.ok(outside.conversation(readJson(path)), `${path}: ${JSON.stringify(outside.conversation.errors)}`);
    assert.is(validateDoc(readJson(path)), undefined, path);
  }
  for (const path of shipped.settings) {
    assert.ok(outside.settings(readJson(path)), `${path}: ${JSON.stringify(outside.settings.errors)}`);
    assert.is(settingsProblem(readJson(path)), undefined, path);
  }
  for (const path of shipped.configs) {
    assert.ok(outside.llmConfig(readJson(path)), `${path}: ${JSON.stringify(outside.llmConfig.errors)}`);
    assert.equal(checkInlineConfigFields(readJson(path)), [], `${path}: fields the engine does not know`);
  }
});

/** The unknown fields the engine reports for a config (placeholders removed: inline configs refuse them). */
function checkInlineConfigFields(config: Record<string, unknown>): string[] {
  const withoutPlaceholders = JSON.parse(JSON.stringify(config).replace(/\$\{[^}]*\}/g, 'x')) as unknown;
  return checkInlineConfig(withoutPlaceholders).unknownFields;
}

files('each shipped file names its schema first, by a path that leads to it', () => {
  const expected = (path: string): string =>
    path.endsWith('conversation.json')
      ? schemaFiles.conversation
      : path.endsWith('settings.json')
        ? schemaFiles.settings
        : schemaFiles.llmConfig;
  for (const path of [...shipped.conversations, ...shipped.settings, ...shipped.configs]) {
    const file = readJson(path);
    assert.is(Object.keys(file)[0], '$schema', path);
    assert.is(resolve(repository, dirname(path), file['$schema'] as string), join(repository, expected(path)), path);
  }
});

files('a new file in data/conversations/<name>/ of a checkout names ../../../schemas/', () => {
  const folder = join(repository, 'data/conversations/any name');
  assert.is(schemaReference(folder, 'conversation.schema.json'), '../../../schemas/conversation.schema.json');
  assert.is(schemaReference(folder, 'settings.schema.json'), '../../../schemas/settings.schema.json');
});

files('the VS Code settings map the data folders to the schemas, so files without $schema are checked too', () => {
  const settings = readJson('.vscode/settings.json') as { 'json.schemas': { fileMatch: string[]; url: string }[] };
  assert.equal(
    settings['json.schemas'].map(({ fileMatch, url }) => [fileMatch, url]),
    [
      [['/data/conversations/**/conversation.json'], `./${schemaFiles.conversation}`],
      [['/data/conversations/**/settings.json'], `./${schemaFiles.settings}`],
      [['/data/llm_configs/**/*.json'], `./${schemaFiles.llmConfig}`],
    ],
  );
});

files('the provider names editors offer are the ones the engine supports', () => {
  const provider = (readJson(schemaFiles.llmConfig)['properties'] as Record<string, { examples: string[] }>)['provider']!;
  assert.equal(provider.examples, [...supportedProviders]);
});

const agree = suite('the schema and the engine agree');

/** A tree, broken one way: the outside validator and the engine must both reject it, the engine at `pointer`. */
const brokenTrees: [string, (doc: Record<string, any>) => void, string, string][] = [
  ['a role outside the enum', (doc) => (doc['nodes']['a1'].role = 'tool'), '/nodes/a1/role', 'must be "system", "user" or "assistant"'],
  ['a numeric pid', (doc) => (doc['nodes']['a1'].pid = 7), '/nodes/a1/pid', 'must be a parent node id or null'],
  ['a node without pid', (doc) => delete doc['nodes']['a1'].pid, '/nodes/a1/pid', 'is required'],
  ['null content', (doc) => (doc['nodes']['a1'].content = null), '/nodes/a1/content', 'must be a string'],
  ['meta not an object', (doc) => (doc['nodes']['a4'].meta = 'mock'), '/nodes/a4/meta', 'must be an object'],
  ['a node that is a string', (doc) => (doc['nodes']['a3'] = 'x'), '/nodes/a3', 'must be an object with pid, role and content'],
  [
    'a node id with a slash',
    (doc) => (doc['nodes']['a/b'] = { pid: null, role: 'user', content: '' }),
    '/nodes/a~1b',
    'node ids may hold only letters, digits, "_" and "-" (1 to 128)',
  ],
  [
    'the node id __proto__',
    (doc) => Object.defineProperty(doc['nodes'], '__proto__', { value: { pid: null, role: 'user', content: '' }, enumerable: true }),
    '/nodes/__proto__',
    'node ids may hold only letters, digits, "_" and "-" (1 to 128)',
  ],
  ['nodes as an array', (doc) => (doc['nodes'] = []), '/nodes', 'must be an object of nodes by id'],
  ['roots missing', (doc) => delete doc['roots'], '/roots', 'is required'],
  ['a number in active_path', (doc) => doc['active_path'].push(4), '/active_path/5', 'must be a node id (a string)'],
  ['children of a string', (doc) => (doc['children']['u1'] = 'a1'), '/children/u1', 'must be an array of node ids'],
  ['last_active_child of a number', (doc) => (doc['last_active_child'] = { u1: 1 }), '/last_active_child/u1', 'must be a node id'],
  ['a numeric name', (doc) => (doc['name'] = 5), '/name', 'must be a string'],
  ['a numeric $schema', (doc) => (doc['$schema'] = 5), '/$schema', 'must be string'],
];

for (const [what, edit, pointer, message] of brokenTrees) {
  agree(`${what}: rejected by both, the engine at ${pointer}`, () => {
    const doc = branchyTree() as Record<string, any>;
    edit(doc);
    // Through JSON, as a file would be read (a __proto__ key stays an own key there too).
    const parsed = JSON.parse(JSON.stringify(doc)) as unknown;
    assert.not.ok(outside.conversation(parsed), 'the schema accepts it');
    assert.equal(validateDoc(parsed, { fromJson: true }), { pointer, message });
    assert.equal(validateDoc(parsed), { pointer, message });
  });
}

agree('what only the engine checks: a pid naming no node, a parent loop (the schema cannot state them)', () => {
  const dangling = branchyTree();
  dangling.nodes['a1']!.pid = 'ghost';
  const loop = branchyTree();
  loop.nodes['u1']!.pid = 'u2';
  for (const doc of [dangling, loop]) assert.ok(outside.conversation(doc), 'the schema accepts it');
  assert.equal(validateDoc(dangling), { pointer: '/nodes/a1/pid', message: 'names node ghost, which is not in /nodes' });
  assert.equal(validateDoc(loop), { pointer: '/nodes/u1/pid', message: 'is part of a parent loop that never reaches a root' });
});

agree('valid to both: an empty tree, unknown fields, a $schema key', () => {
  for (const doc of [
    { roots: [], nodes: {}, active_path: [] },
    { $schema: '../x.json', ...branchyTree() },
  ]) {
    assert.ok(outside.conversation(doc));
    assert.is(validateDoc(doc), undefined);
  }
});

agree('settings: llm_config must be a string for both', () => {
  assert.not.ok(outside.settings({ llm_config: 5 }));
  assert.equal(settingsProblem({ llm_config: 5 }), { pointer: '/llm_config', message: 'must be a path under data/llm_configs/' });
  assert.not.ok(outside.settings([]));
  assert.equal(settingsProblem([]), { pointer: '', message: 'must be a JSON object' });
});

agree('LLM configs: a field of the wrong type or out of range is rejected by both, naming it', async () => {
  for (const [config, field] of [
    [{ provider: 'mock', max_retries: 9 }, '/max_retries'],
    [{ provider: 'mock', temperature: 'warm' }, '/temperature'],
    [{ provider: 'mock', mock: { chunk_size: 0 } }, '/mock/chunk_size'],
    [{ model: 'x' }, '/provider'],
  ] as const) {
    assert.not.ok(outside.llmConfig(config), JSON.stringify(config));
    const error = await failure(Promise.resolve().then(() => checkInlineConfig(config)));
    assert.equal([error.code, (error.details as { field: string }[]).map((detail) => detail.field)], ['BAD_INPUT', [field]]);
  }
});

const carried = suite('files carry $schema');
let temp: TempRoot;
let store: FileStore;

carried.after.each(async () => {
  await store.close();
  temp.cleanup();
});

for (const [label, workerThreshold] of [
  ['main thread', Number.POSITIVE_INFINITY],
  ['writer thread', 0],
] as const) {
  carried(`a file with $schema keeps it, first, through an append (${label})`, async () => {
    temp = createTempRoot();
    store = createFileStore({ root: temp.root, logger: silentLogger, workerThreshold });
    const original = { $schema: '../../../schemas/conversation.schema.json', ...branchyTree() };
    const file = temp.writeConversation('demo', original);
    await store.commit(file, (doc: ConversationDoc) => {
      const mutation = appendMessage(doc, { nodeId: 'n1', pid: 'a4', role: 'user', content: 'More?' }, { now: 'NOW', where: file });
      return { changes: mutation.changes, result: () => undefined };
    });
    const expected = {
      ...original,
      nodes: { ...original.nodes, n1: { pid: 'a4', role: 'user', content: 'More?', node_updated_at: 'NOW' } },
      children: { u1: ['a2', 'a1'], a4: ['n1'] },
      active_path: ['r1', 'u1', 'a1', 'u2', 'a4', 'n1'],
      updated_at: 'NOW',
    };
    assert.is(temp.readText(file), JSON.stringify(expected, null, 2) + '\n');
  });
}

carried('a schema-invalid file is INVALID_FILE naming the file and the pointer, for reads and settings alike', async () => {
  temp = createTempRoot();
  store = createFileStore({ root: temp.root, logger: silentLogger });
  const doc = { $schema: '../../../schemas/conversation.schema.json', ...branchyTree() } as Record<string, any>;
  doc['nodes']['a1'].role = 'tool';
  const file = temp.writeConversation('demo', doc, { $schema: '../../../schemas/settings.schema.json', llm_config: ['mock'] });
  const error = await failure(store.read(file));
  assert.equal(
    [error.code, error.message],
    [
      'INVALID_FILE',
      `${file} at /nodes/a1/role must be "system", "user" or "assistant"; fix the file by hand, the engine will not write it until then`,
    ],
  );
  const settingsError = await failure(store.readSettings(file));
  assert.equal(
    [settingsError.code, settingsError.message],
    [
      'INVALID_FILE',
      'data/conversations/demo/settings.json at /llm_config must be a path under data/llm_configs/; fix the file by hand, the engine will not write it until then',
    ],
  );
});

carried('create keeps a $schema the new tree or settings already name', async () => {
  temp = createTempRoot();
  store = createFileStore({ root: temp.root, logger: silentLogger });
  const file = 'data/conversations/mine/conversation.json';
  await store.create(file, { $schema: 'https://example.org/c.json', ...branchyTree() }, { $schema: 'https://example.org/s.json' });
  assert.is(temp.readJson<Record<string, unknown>>(file)['$schema'], 'https://example.org/c.json');
  assert.equal(temp.readJson('data/conversations/mine/settings.json'), { $schema: 'https://example.org/s.json' });
});

files.run();
agree.run();
carried.run();
