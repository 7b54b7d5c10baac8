import { EnvRef, Interpolated, renderConfig } from '../../src/config/json';

describe('renderConfig', () => {
  test('sorts keys at every level, omits undefined, pretty-prints', () => {
    const out = renderConfig({ b: 1, a: { d: 'x', c: undefined, b: [1, 2] } }, { expandEnv: false });
    expect(out).toBe('{\n  "a": {\n    "b": [\n      1,\n      2\n    ],\n    "d": "x"\n  },\n  "b": 1\n}\n');
  });

  test('same input, byte-identical output regardless of key insertion order', () => {
    const one = renderConfig({ x: 1, y: { p: 'a', q: 'b' } }, { expandEnv: true });
    const two = renderConfig({ y: { q: 'b', p: 'a' }, x: 1 }, { expandEnv: true });
    expect(one).toBe(two);
  });

  test('refuses null', () => {
    expect(() => renderConfig({ a: { b: null as unknown as string } }, { expandEnv: false })).toThrow(
      'SPIRE configuration at $.a.b is null; SPIRE reads JSON null as an empty string. Omit the key instead.',
    );
  });

  test('refuses nested arrays and booleans inside arrays', () => {
    expect(() => renderConfig({ a: [['x']] }, { expandEnv: false })).toThrow(/\$\.a\[0\] is an array inside an array/);
    expect(() => renderConfig({ a: [true] }, { expandEnv: false })).toThrow(/\$\.a\[0\] is a boolean inside an array/);
  });

  test('refuses non-finite numbers', () => {
    expect(() => renderConfig({ a: Infinity }, { expandEnv: false })).toThrow(/numbers must be finite/);
  });

  test('with -expandEnv: literal $ becomes $$, references stay ${NAME}', () => {
    const v = new Interpolated(['pass$word=', new EnvRef('DBPW'), ' x$']);
    const out = JSON.parse(renderConfig({ s: 'a$b', v }, { expandEnv: true }));
    expect(out.s).toBe('a$$b');
    expect(out.v).toBe('pass$$word=${DBPW} x$$');
  });

  test('without -expandEnv: $ kept, references refused', () => {
    expect(JSON.parse(renderConfig({ s: 'a$b' }, { expandEnv: false })).s).toBe('a$b');
    expect(() => renderConfig({ v: new Interpolated([new EnvRef('X')]) }, { expandEnv: false })).toThrow(
      /reads environment variable\(s\) X, but the file is not read with -expandEnv/,
    );
  });

  test('env names are validated', () => {
    expect(() => new EnvRef('1BAD')).toThrow(/Invalid environment variable name "1BAD"/);
    expect(() => new EnvRef('A-B')).toThrow(/Invalid environment variable name/);
  });
});
