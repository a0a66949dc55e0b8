import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { apiFailure, startDoorWorld, type DoorWorld } from './openai-kit.js';

const test = suite('GET /v1/models through the openai SDK');
let world: DoorWorld;

test.before(async () => {
  world = await startDoorWorld();
});
test.after(async () => {
  await world.close();
});

const mockModel = {
  id: 'mock',
  object: 'model',
  created: 0,
  owned_by: 'mock',
  branchflow: { file: 'data/llm_configs/mock.json', name: 'Mock', provider: 'mock', model: 'mock-model', usable: true },
};
const usableModels = [
  {
    id: 'broken',
    object: 'model',
    created: 0,
    owned_by: 'mock',
    branchflow: { file: 'data/llm_configs/broken.json', name: 'Broken', provider: 'mock', model: 'mock-broken', usable: true },
  },
  {
    id: 'folder_config',
    object: 'model',
    created: 0,
    owned_by: 'mock',
    branchflow: {
      file: 'data/llm_configs/folder_config/llm_config.json',
      name: 'Folder',
      provider: 'mock',
      model: 'mock-folder',
      usable: true,
    },
  },
  mockModel,
  {
    id: 'slow',
    object: 'model',
    created: 0,
    owned_by: 'mock',
    branchflow: { file: 'data/llm_configs/slow.json', name: 'Slow', provider: 'mock', model: 'mock-slow', usable: true },
  },
];

test('lists the usable LLM configs as models, named after their files', async () => {
  const page = await world.client.models.list();
  assert.equal(JSON.parse(JSON.stringify(page.data)), usableModels);
});

test('?all=true lists every config, an unusable one marked with its problem', async () => {
  const response = await fetch(`${world.server.url}/v1/models?all=true`);
  const keyless = {
    id: 'keyless',
    object: 'model',
    created: 0,
    owned_by: 'openai',
    branchflow: {
      file: 'data/llm_configs/keyless.json',
      name: 'Keyless',
      provider: 'openai',
      model: 'gpt-x',
      usable: false,
      problem:
        'config data/llm_configs/keyless.json needs the environment variable DOOR_TEST_MISSING_KEY (${DOOR_TEST_MISSING_KEY} at /api_key), ' +
        'which is not set; set it in the environment or in .env at the root, or give a default with ${NAME:-default}',
    },
  };
  assert.equal(await response.json(), { object: 'list', data: [usableModels[0], usableModels[1], keyless, mockModel, usableModels[3]] });
});

test('retrieves one model by its id', async () => {
  assert.equal(JSON.parse(JSON.stringify(await world.client.models.retrieve('mock'))), mockModel);
});

test('an unknown model is a 404 in OpenAI error shape, naming the known ones', async () => {
  const error = await apiFailure(world.client.models.retrieve('gpt-4o'));
  assert.is(error.status, 404);
  assert.equal(error.error, {
    message:
      'the model "gpt-4o" does not exist: no LLM config of that name under data/llm_configs/ (known: broken, folder_config, keyless, mock, slow)',
    type: 'invalid_request_error',
    param: 'model',
    code: 'model_not_found',
  });
});

test.run();
