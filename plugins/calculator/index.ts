/**
 * @module The calculator plugin: one tool, `plugins/calculator/evaluate`, that models call for arithmetic they
 * would otherwise guess. Offline and safe (no `eval`); offer it with `"tools": ["plugins/calculator/evaluate"]`.
 */
import { CallError, definePlugin, defineStep } from '../../src/index.js';
import { ArithmeticError, evaluate, maxExpressionLength } from './arithmetic.js';

const evaluateStep = defineStep<{ expression: string }, { expression: string; value: number }>({
  path: 'plugins/calculator/evaluate',
  summary: 'Evaluate an arithmetic expression: + - * / % ^, parentheses, sqrt, abs, round, floor, ceil, ln, log10, min, max, pi, e.',
  tool: true,
  input: {
    type: 'object',
    properties: { expression: { type: 'string', minLength: 1, maxLength: maxExpressionLength, examples: ['(2 + 3) * 4 ^ 2'] } },
    required: ['expression'],
    additionalProperties: false,
  },
  output: {
    type: 'object',
    properties: { expression: { type: 'string' }, value: { type: 'number' } },
    required: ['expression', 'value'],
    additionalProperties: false,
  },
  async run({ expression }) {
    try {
      return { expression, value: evaluate(expression) };
    } catch (error) {
      if (error instanceof ArithmeticError) throw new CallError('BAD_INPUT', `cannot evaluate "${expression}": ${error.message}`);
      throw error;
    }
  },
});

export default definePlugin({
  name: 'calculator',
  description: 'A calculator tool for models: safe arithmetic, offline.',
  steps: [evaluateStep],
});
