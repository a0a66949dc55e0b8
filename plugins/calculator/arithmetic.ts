/**
 * @module A safe arithmetic evaluator: numbers, + - * / % ^, parentheses, unary minus, and a few functions. A small
 * recursive-descent parser, never `eval`: the expression comes from a model, and nothing in it may run as code.
 */

const functions: Record<string, (...values: number[]) => number> = {
  sqrt: Math.sqrt,
  abs: Math.abs,
  round: Math.round,
  floor: Math.floor,
  ceil: Math.ceil,
  ln: Math.log,
  log10: Math.log10,
  min: Math.min,
  max: Math.max,
};
const constants: Record<string, number> = { pi: Math.PI, e: Math.E };

/** The longest expression taken: a model's arithmetic fits, and a parser this small never sees a huge input. */
export const maxExpressionLength = 500;

export class ArithmeticError extends Error {}

export function evaluate(expression: string): number {
  if (expression.length > maxExpressionLength) throw new ArithmeticError(`the expression is longer than ${maxExpressionLength} characters`);
  const tokens = expression.match(/\d+(?:\.\d+)?(?:e[+-]?\d+)?|[a-z_][a-z0-9_]*|\S/gi) ?? [];
  let position = 0;
  const peek = (): string | undefined => tokens[position];
  const take = (expected?: string): string => {
    const token = tokens[position];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new ArithmeticError(
        expected === undefined ? 'the expression ends too early' : `expected "${expected}" at token ${position + 1}`,
      );
    }
    position++;
    return token;
  };

  // sum := product (('+' | '-') product)*; product := unary (('*' | '/' | '%') unary)*;
  // unary := ('-' | '+') unary | power; power := atom ('^' unary)?  (so -2^2 is -4, and 2^-1 is 0.5)
  const sum = (): number => {
    let value = product();
    while (peek() === '+' || peek() === '-') value = take() === '+' ? value + product() : value - product();
    return value;
  };
  const product = (): number => {
    let value = unary();
    for (let operator = peek(); operator === '*' || operator === '/' || operator === '%'; operator = peek()) {
      take();
      const right = unary();
      value = operator === '*' ? value * right : operator === '/' ? value / right : value % right;
    }
    return value;
  };
  const unary = (): number => {
    if (peek() === '-') {
      take();
      return -unary();
    }
    if (peek() === '+') take();
    return power();
  };
  const power = (): number => {
    const base = atom();
    if (peek() !== '^') return base;
    take();
    return base ** unary();
  };
  const atom = (): number => {
    const token = take();
    if (token === '(') {
      const value = sum();
      take(')');
      return value;
    }
    if (/^\d/.test(token)) return Number(token);
    const name = token.toLowerCase();
    if (name in constants) return constants[name]!;
    const fn = functions[name];
    if (!fn) throw new ArithmeticError(`unknown name "${token}" (functions: ${Object.keys(functions).join(', ')}; constants: pi, e)`);
    take('(');
    const args = [sum()];
    while (peek() === ',') {
      take();
      args.push(sum());
    }
    take(')');
    return fn(...args);
  };

  const value = sum();
  if (position < tokens.length) throw new ArithmeticError(`unexpected "${tokens[position]}" at token ${position + 1}`);
  if (!Number.isFinite(value)) throw new ArithmeticError('the result is not a finite number (a division by zero?)');
  return value;
}
