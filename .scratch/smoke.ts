import { Utf8, vectorFromArray, makeVector } from 'apache-arrow';
import { castColumn } from '../kernels/cast.js';
import { stringData } from '../kernels/columns.js';
import { ANSI, NON_ANSI } from '../kernels/context.js';
import { parseGlueType } from '../catalog/types.js';
const s = (vals: (string|null)[]) => stringData(new Utf8(), vals);
const show = (d: any) => JSON.stringify(makeVector(d).toArray(), (_k, v) => typeof v === 'bigint' ? v.toString() + 'n' : v);
const T = parseGlueType;
for (const [to, vals] of [
  ['int', [' 12 ', '1.9', '-1.9', '.', '+', '2147483648', '-2147483648', 'abc', '', null, '\t7\n']],
  ['bigint', ['9223372036854775807', '-9223372036854775808', '9223372036854775808', '12345678901234567']],
  ['tinyint', ['127', '128', '-129']],
  ['double', ['1.5', 'NaN', 'inf', '-Infinity', '1e400', '0x1.8p1', '1d', ' 2 ', 'nan', '-nan', 'abc']],
  ['float', ['0.1', '3.4028235e38', '3.5e38', '1.17549435E-38']],
  ['decimal(5,2)', ['1.005', '-1.005', '0.5', '999.995', '1e2', '1E-3', ' 12.345 ', 'abc', '1e39', '١٢']],
  ['boolean', [' TRUE ', 'y', 'No', '0', 'maybe', '']],
  ['date', ['2024-02-29', '2023-02-29', '2024', '2024-3', '2024-01-01T12:00', '2024-01-01 garbage', '+10000-01-01', '-0001-12-31', '2024-01-01x']],
  ['timestamp', ['2024-01-01 10:00:00', '2024-01-01T10:00:00.123456789Z', '2024-01-01 10:00:00+01:00', '1969-12-31 23:59:59.999999', '2024-01-01 10:00Z', '2024-01-01T10:00:00 Europe/Paris', '2024-07-01T10:00:00 Europe/Paris', '2024', '2024-01-01T', '2024-03-31T02:30:00 Europe/Paris']],
] as const) {
  const d = s(vals as any);
  console.log(to, show(castColumn(d, T('string'), T(to), NON_ANSI)));
}
const dbl = vectorFromArray([1.5, -1.5, NaN, 1e10, 1e-4, 0.001, 1234567.0, 1e7, 100, -0]).data[0]!;
console.log(show(castColumn(dbl, T('double'), T('string'), NON_ANSI)));
console.log(show(castColumn(dbl, T('double'), T('int'), NON_ANSI)));
console.log(show(castColumn(dbl, T('double'), T('decimal(10,2)'), NON_ANSI)));
console.log(show(castColumn(castColumn(s(['0', '0.0000001', '1.50', '-12.5']), T('string'), T('decimal(38,18)'), NON_ANSI), T('decimal(38,18)'), T('string'), NON_ANSI)));
console.log(show(castColumn(castColumn(s(['0', '0.0000001', '1.50', '-12.5']), T('string'), T('decimal(38,18)'), NON_ANSI), T('decimal(38,18)'), T('string'), ANSI)));
const ts = castColumn(s(['1969-12-31 23:59:59.999999', '2024-01-01 10:00:00.5', '0001-01-01 00:00:00', null]), T('string'), T('timestamp'), NON_ANSI);
console.log(show(castColumn(ts, T('timestamp'), T('string'), NON_ANSI)), show(castColumn(ts, T('timestamp'), T('bigint'), NON_ANSI)), show(castColumn(ts, T('timestamp'), T('date'), NON_ANSI)), show(castColumn(ts, T('timestamp'), T('double'), NON_ANSI)));
try { castColumn(s(['x']), T('string'), T('int'), ANSI) } catch (e) { console.log(String(e)) }
